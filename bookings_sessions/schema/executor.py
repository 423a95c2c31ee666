"""graphql-core's executor, with a short path for the fields most of a response is made of.

A field without arguments whose resolver is strawberry's default (it reads an attribute) and whose type
is a scalar or an enum, a list of them, or an object type without an `is_type_of` check, needs none of
what graphql-core prepares for every field: a `GraphQLResolveInfo`, the resolver's call chain, the
completion recursing through non-null, list and leaf. Here such a field reads its attribute and coerces
the value directly (an object's fields are then executed as graphql-core would). Anything else — a field with
a resolver or a field extension (a role check), an object type, a null or missing value of a non-null
field, a value its type will not coerce, an exception — takes graphql-core's own path, which then raises
the error it always did, at the same path. A page of 50 sessions has ~1,000 such fields
(docs/performance.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from graphql import (
    GraphQLField,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    is_leaf_type,
)
from graphql.pyutils import Path, Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

_GENERIC: Final = object()  # "take graphql-core's path"


@dataclass(frozen=True, slots=True)
class _Leaf:
    type: GraphQLLeafType
    non_null: bool


@dataclass(frozen=True, slots=True)
class _AttributeField:
    """How to complete a field that reads `attribute`: a leaf, or (with `item`) a list of leaves."""

    field: GraphQLField  # the one this was made for: a cached id can outlive its object
    attribute: str
    non_null: bool
    leaf: _Leaf

    def complete(self, source: Any) -> Any:
        try:
            value = getattr(source, self.attribute)
        except Exception:  # graphql-core reports it
            return _GENERIC
        if value is None:
            return _GENERIC if self.non_null else None
        return _coerce(self.leaf, value)


@dataclass(frozen=True, slots=True)
class _AttributeListField(_AttributeField):
    def complete(self, source: Any) -> Any:
        try:
            value = getattr(source, self.attribute)
        except Exception:  # graphql-core reports it
            return _GENERIC
        if value is None:
            return _GENERIC if self.non_null else None
        if not isinstance(value, list | tuple):
            return _GENERIC
        items: list[Any] = []
        for item in value:
            if item is None:
                if self.leaf.non_null:
                    return _GENERIC
                items.append(None)
                continue
            coerced = _coerce(self.leaf, item)
            if coerced is _GENERIC:
                return _GENERIC
            items.append(coerced)
        return items


def _coerce(leaf: _Leaf, value: Any) -> Any:
    try:
        coerced = leaf.type.coerce_output_value(value)
    except Exception:  # graphql-core reports it
        return _GENERIC
    return _GENERIC if coerced is None or coerced is Undefined else coerced


def _leaf(type_: GraphQLOutputType) -> _Leaf | None:
    non_null = isinstance(type_, GraphQLNonNull)
    inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    return _Leaf(inner, non_null) if is_leaf_type(inner) else None


@dataclass(frozen=True, slots=True)
class _AttributeObject:
    """A field that reads `attribute`, of an object type graphql-core need not check (no is_type_of)."""

    field: GraphQLField
    attribute: str
    non_null: bool
    type: GraphQLObjectType


def _plan(field: GraphQLField) -> _AttributeField | _AttributeObject | None:
    definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if not isinstance(definition, StrawberryField) or not definition.is_basic_field or field.args:
        return None
    if not getattr(field.resolve, "_is_default", False):
        return None
    non_null = isinstance(field.type, GraphQLNonNull)
    inner = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
    if isinstance(inner, GraphQLList):
        item = _leaf(inner.of_type)
        return None if item is None else _AttributeListField(field, definition.python_name, non_null, item)
    if isinstance(inner, GraphQLObjectType) and inner.is_type_of is None:
        return _AttributeObject(field, definition.python_name, non_null, inner)
    leaf = _leaf(field.type)
    return None if leaf is None else _AttributeField(field, definition.python_name, non_null, leaf)


# By the field's id, checked against the field itself: schemas are built once per app.
_plans: dict[int, _AttributeField | _AttributeObject | None] = {}


def _cached_plan(field: GraphQLField) -> _AttributeField | _AttributeObject | None:
    key = id(field)
    if key in _plans:
        plan = _plans[key]
        if plan is None or plan.field is field:
            return plan
    plan = _plan(field)
    _plans[key] = plan
    return plan


class ShortcutExecutor(StrawberryGraphQLCoreExecutionContext):
    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: Any,
        path: Path,
        position_context: Any,
    ) -> Any:
        node = field_details_list[0].node
        if not node.arguments and not self.middleware_manager:
            field = parent_type.fields.get(node.name.value)
            plan = None if field is None else _cached_plan(field)
            if isinstance(plan, _AttributeField):
                completed = plan.complete(source)
                if completed is not _GENERIC:
                    return completed
            elif plan is not None:
                value = getattr(source, plan.attribute, _GENERIC)
                if value is None and not plan.non_null:
                    return None
                if value is not None and value is not _GENERIC:
                    return self._complete_object(plan, field_details_list, path, value, position_context)
        return super().execute_field(parent_type, source, field_details_list, path, position_context)

    def _complete_object(
        self, plan: _AttributeObject, field_details_list: Any, path: Path, value: Any, position_context: Any
    ) -> Any:
        """graphql-core's completion of an object value, from `collect_and_execute_subfields` on; an error
        below (a non-null field that failed) is handled here as graphql-core's `execute_field` does."""
        try:
            completed = self.collect_and_execute_subfields(
                plan.type, field_details_list, path, value, position_context
            )
        except Exception as error:  # a field error: graphql-core's handler reports it
            self.handle_field_error(error, plan.field.type, field_details_list, path)
            return None
        if not self.is_awaitable(completed):
            return completed

        async def await_completed() -> Any:
            try:
                return await completed
            except Exception as error:  # as above
                self.handle_field_error(error, plan.field.type, field_details_list, path)
                return None

        return await_completed()
