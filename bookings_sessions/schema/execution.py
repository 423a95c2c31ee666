"""`LeafFastExecutionContext`: graphql-core's executor with a short path for plain scalar fields.

A page of 50 sessions completes ~1,500 fields, nearly all of them strawberry "basic" fields (an attribute
of the object: no resolver, no extension, no arguments) of a scalar or enum type, or a list of one. graphql-
core runs each through its general path: a `Path` and a `GraphQLResolveInfo` built per field, the resolver,
awaitable checks, `complete_value`'s type dispatch; ~2.5 µs a field, two thirds of a page's CPU. For those
fields the answer is the attribute coerced by the field's type, which is what this executor computes. Every
other case (a null where the type forbids it, a value that is not plain data, a coercion that fails,
resolvers, objects, middleware) goes to graphql-core's own path, so results and errors stay its own.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any
from weakref import WeakKeyDictionary

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLType,
    Undefined,
)
from graphql.pyutils import Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.field import StrawberryField

# What an attribute holds when it is an answer rather than something graphql-core treats specially (an
# awaitable, an Exception, an iterable to complete): anything else takes the general path.
_PLAIN = (str, int, float, bool, datetime, date, Enum)
_MISSING = object()


@dataclass(frozen=True, slots=True)
class _Leaf:
    """A field answered by coercing the attribute: a scalar or enum, or a list of them (`items`)."""

    attribute: str
    type: GraphQLScalarType | GraphQLEnumType
    nullable: bool
    items: bool = False
    items_nullable: bool = False


def _unwrap(field_type: GraphQLType) -> tuple[GraphQLType, bool]:
    """The type inside a non-null wrapper, and whether there was none."""
    if isinstance(field_type, GraphQLNonNull):
        return field_type.of_type, False
    return field_type, True


def _leaf(field: GraphQLField) -> _Leaf | None:
    """How to answer `field` directly, or None when it needs the general path."""
    definition = field.extensions.get("strawberry-definition")
    if (
        not isinstance(definition, StrawberryField)
        or not definition.is_basic_field
        or definition.default_resolver is not getattr
        or field.args
        # strawberry's resolver for a basic field (not one wrapped for exception handlers)
        or getattr(field.resolve, "__name__", None) != "_get_basic_result"
    ):
        return None
    named, nullable = _unwrap(field.type)
    if isinstance(named, GraphQLScalarType | GraphQLEnumType):
        return _Leaf(definition.python_name, named, nullable)
    if isinstance(named, GraphQLList):
        item, items_nullable = _unwrap(named.of_type)
        if isinstance(item, GraphQLScalarType | GraphQLEnumType):
            return _Leaf(definition.python_name, item, nullable, items=True, items_nullable=items_nullable)
    return None


# Per schema, per object type name: its fields that can take the short path (built on first use).
_PLANS: WeakKeyDictionary[GraphQLSchema, dict[str, dict[str, _Leaf]]] = WeakKeyDictionary()


def _plans(schema: GraphQLSchema) -> dict[str, dict[str, _Leaf]]:
    plans = _PLANS.get(schema)
    if plans is None:
        plans = {
            name: {field_name: leaf for field_name, field in named.fields.items() if (leaf := _leaf(field))}
            for name, named in schema.type_map.items()
            if isinstance(named, GraphQLObjectType)
        }
        _PLANS[schema] = plans
    return plans


def _coerced(leaf: _Leaf, value: Any, nullable: bool) -> Any:
    """The completed value, or `_MISSING` when graphql-core's path must decide (and word any error)."""
    if value is None:
        return None if nullable else _MISSING
    if not isinstance(value, _PLAIN):
        return _MISSING
    try:
        coerced = leaf.type.coerce_output_value(value)
    except Exception:  # the general path raises it again, with the field's location
        return _MISSING
    return _MISSING if coerced is None or coerced is Undefined else coerced


def _answer(leaf: _Leaf, value: Any) -> Any:
    if not leaf.items or value is None:
        return _coerced(leaf, value, leaf.nullable)
    if not isinstance(value, list | tuple):
        return _MISSING
    completed = [_coerced(leaf, item, leaf.items_nullable) for item in value]
    return _MISSING if any(item is _MISSING for item in completed) else completed


class LeafFastExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        manager = self.middleware_manager
        # Middleware (a schema extension's `resolve` hook) must see every field: no short path then.
        self._leaf_plans = {} if manager is not None and manager.middlewares else _plans(self.schema)

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: Any,
        position_context: Any,
    ) -> Any:
        """graphql-core's `execute_fields`, with the short path for the fields that can take it."""
        leaves = self._leaf_plans.get(parent_type.name)
        if not leaves:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        results: dict[str, Any] = {}
        general: dict[str, Any] = {}
        for response_name, field_details_list in grouped_field_set.items():
            node = field_details_list[0].node
            leaf = leaves.get(node.name.value)
            if leaf is not None and not node.arguments:
                answer = _answer(leaf, getattr(source_value, leaf.attribute, _MISSING))
                if answer is not _MISSING:
                    results[response_name] = answer
                    continue
            general[response_name] = field_details_list
        if not general:
            return results
        # The rest through graphql-core (objects, resolvers, errors); the response keeps the query's order.
        rest = super().execute_fields(parent_type, source_value, path, general, position_context)
        if isinstance(rest, dict):
            return _merged(results, rest, grouped_field_set)
        return _merged_later(results, rest, grouped_field_set)


def _merged(results: dict[str, Any], rest: dict[str, Any], order: Any) -> dict[str, Any]:
    if not results:
        return rest
    results.update(rest)
    return {name: results[name] for name in order if name in results}


async def _merged_later(
    results: dict[str, Any], rest: Awaitable[dict[str, Any]], order: Any
) -> dict[str, Any]:
    return _merged(results, await rest, order)
