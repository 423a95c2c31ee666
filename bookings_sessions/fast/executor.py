"""`LeafFastExecutionContext`: graphql-core's executor with short paths for plain fields (scalars, enums,
lists of them, objects of the type's own class, role-checked ones once the guards allow, a field with
arguments asked without any when `ANSWER_WITHOUT_ARGUMENTS` names the attribute answering it); anything
else takes graphql-core's own path, so results and errors stay its own. Its resolvers' async helpers hold
it weakly: a finished request leaves no cycle for the collector. The schema's `execution_context_class`
seam; docs/design.md §7, docs/performance.md levers 7, 20 and 25.
"""

from __future__ import annotations

import builtins
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any, Protocol, runtime_checkable
from weakref import WeakKeyDictionary, ref

from graphql import (
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLField,
    GraphQLID,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfoHelpers,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLString,
    GraphQLType,
    Undefined,
)
from graphql.execution.collect_fields import CollectedFields, FieldDetailsList
from graphql.pyutils import Path, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.field import StrawberryField

from ..schema.types import ANSWER_WITHOUT_ARGUMENTS
from .shared_selections import can_share, shared

# What an attribute holds when it is an answer rather than something graphql-core treats specially (an
# awaitable, an Exception, an iterable to complete): anything else takes the general path.
_PLAIN = (str, int, float, bool, datetime, date, Enum)
_MISSING = object()
# The built-in scalars that answer a value of exactly this Python type with the value itself (an Int only
# within 32 bits): no call into graphql-core for most leaves of a page.
_ANSWERED_AS_IS: dict[GraphQLScalarType, type] = {
    GraphQLString: str,
    GraphQLID: str,
    GraphQLInt: int,
    GraphQLBoolean: bool,
}
_INT_RANGE = range(-(2**31), 2**31)


@runtime_checkable
class Guard(Protocol):
    """A field extension that only decides whether the request may read the field: when `allows` says yes
    for the request's context (asked once per request), the field is read like a basic one; when it says
    no, the extension runs as usual and raises its error on the field."""

    def allows(self, context: Any) -> bool: ...


@dataclass(frozen=True, slots=True)
class _Leaf:
    """A field answered by coercing the attribute: a scalar or enum, or a list of them (`items`)."""

    attribute: str
    type: GraphQLScalarType | GraphQLEnumType
    nullable: bool
    items: bool = False
    items_nullable: bool = False
    guards: tuple[Guard, ...] = ()
    # A value of this exact type is its own answer (`_ANSWERED_AS_IS`).
    as_is: builtins.type | None = None
    # An enum's names by the identity of the member (members are few and live as long as their class),
    # filled as members are met: a StrEnum member is equal to any str of its value, so not its own key.
    names: dict[int, str] | None = None


def _unwrap(field_type: GraphQLType) -> tuple[GraphQLType, bool]:
    """The type inside a non-null wrapper, and whether there was none."""
    if isinstance(field_type, GraphQLNonNull):
        return field_type.of_type, False
    return field_type, True


def _guards(definition: StrawberryField, resolve: Any) -> tuple[Guard, ...] | None:
    """The field's guards when it reads a plain attribute once they allow it; None if it does more."""
    if definition.base_resolver is not None or definition.default_resolver is not getattr:
        return None
    if definition.is_basic_field:
        # strawberry's resolver for a basic field (not one wrapped for exception handlers)
        return () if getattr(resolve, "__name__", None) == "_get_basic_result" else None
    guards = tuple(extension for extension in definition.extensions if isinstance(extension, Guard))
    sync_resolver = getattr(resolve, "__name__", None) == "_resolver"
    return guards if sync_resolver and len(guards) == len(definition.extensions) else None


def _plan(field: GraphQLField) -> _Plan | None:
    """How to answer `field` directly, or None when it needs the general path.

    A field with arguments has a plan only when its definition names the attribute that answers it
    without them (`ANSWER_WITHOUT_ARGUMENTS`); `execute_fields` uses it only where the query gives none.
    """
    definition = field.extensions.get("strawberry-definition")
    if not isinstance(definition, StrawberryField):
        return None
    if field.args:
        attribute = definition.metadata.get(ANSWER_WITHOUT_ARGUMENTS) if not definition.extensions else None
        return None if attribute is None else _plan_of(field, attribute, ())
    guards = _guards(definition, field.resolve)
    if guards is None:
        return None
    return _plan_of(field, definition.python_name, guards)


def _plan_of(field: GraphQLField, attribute: str, guards: tuple[Guard, ...]) -> _Plan | None:
    named, nullable = _unwrap(field.type)
    if isinstance(named, GraphQLScalarType | GraphQLEnumType):
        return _leaf(attribute, named, nullable, guards=guards)
    if isinstance(named, GraphQLList):
        item, items_nullable = _unwrap(named.of_type)
        if isinstance(item, GraphQLScalarType | GraphQLEnumType):
            return _leaf(attribute, item, nullable, True, items_nullable, guards)
    if isinstance(named, GraphQLObjectType):
        object_definition = named.extensions.get("strawberry-definition")
        origin = getattr(object_definition, "origin", None)
        # A type implementing an interface (`Session`: `Node`) gets strawberry's own `is_type_of`, which
        # accepts an instance of its class: all the short path takes (`type(value) is origin`). A type's
        # own `is_type_of` decides for itself, on graphql-core's path.
        own_check = getattr(object_definition, "is_type_of", None) is not None
        if isinstance(origin, type) and not (named.is_type_of is not None and own_check):
            return _Object(attribute, named, field.type, origin, guards)
    return None


def _leaf(
    attribute: str,
    leaf_type: GraphQLScalarType | GraphQLEnumType,
    nullable: bool,
    items: bool = False,
    items_nullable: bool = False,
    guards: tuple[Guard, ...] = (),
) -> _Leaf:
    as_is = _ANSWERED_AS_IS.get(leaf_type) if isinstance(leaf_type, GraphQLScalarType) else None
    names: dict[int, str] | None = {} if isinstance(leaf_type, GraphQLEnumType) else None
    return _Leaf(attribute, leaf_type, nullable, items, items_nullable, guards, as_is, names)


@dataclass(frozen=True, slots=True)
class _Object:
    """A field whose attribute is an instance of its object type's class: the selection is executed on it
    directly (no resolver, no resolve info, no type dispatch)."""

    attribute: str
    type: GraphQLObjectType
    field_type: GraphQLOutputType
    origin: builtins.type
    guards: tuple[Guard, ...] = ()


_Plan = _Leaf | _Object


# Per schema, per object type name: its fields that can take the short path (built on first use).
_PLANS: WeakKeyDictionary[GraphQLSchema, dict[str, dict[str, _Plan]]] = WeakKeyDictionary()


def _plans(schema: GraphQLSchema) -> dict[str, dict[str, _Plan]]:
    plans = _PLANS.get(schema)
    if plans is None:
        plans = {
            name: {field_name: plan for field_name, field in named.fields.items() if (plan := _plan(field))}
            for name, named in schema.type_map.items()
            if isinstance(named, GraphQLObjectType)
        }
        _PLANS[schema] = plans
    return plans


def _coerced(leaf: _Leaf, value: Any, nullable: bool) -> Any:
    """The completed value, or `_MISSING` when graphql-core's path must decide (and word any error)."""
    value_type = type(value)
    if value_type is leaf.as_is and (value_type is not int or value in _INT_RANGE):
        return value
    if value is None:
        return None if nullable else _MISSING
    if not isinstance(value, _PLAIN):
        return _MISSING
    names = leaf.names
    if names is not None and (name := names.get(id(value))) is not None:
        return name
    try:
        coerced = leaf.type.coerce_output_value(value)
    except Exception:  # the general path raises it again, with the field's location
        return _MISSING
    if coerced is None or coerced is Undefined:
        return _MISSING
    if names is not None and isinstance(value, Enum) and isinstance(coerced, str):
        names[id(value)] = coerced
    return coerced


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
        self._allows: dict[Guard, bool] = {}
        self._share_selections = can_share(self.operation)
        self._collected: dict[tuple[GraphQLObjectType, int], tuple[FieldDetailsList, CollectedFields]] = {}
        # graphql-core binds these helpers to the executor: a cycle, so every request's objects (its
        # context, the HTTP request, the answer) waited for the collector. Through a weak reference the
        # executor is freed when the answer is (docs/performance.md, lever 25).
        self.async_helpers = _helpers_of(ref(self))

    def collect_subfields(
        self, return_type: GraphQLObjectType, field_details_list: FieldDetailsList
    ) -> CollectedFields:
        """graphql-core's, from the collections shared between requests where the document allows it."""
        if not self._share_selections:
            return super().collect_subfields(return_type, field_details_list)
        # Asked again for every item of a list: remembered for the request as graphql-core does.
        key = (return_type, id(field_details_list))
        known = self._collected.get(key)
        if known is None:
            collect = super().collect_subfields
            collected = shared(
                return_type, field_details_list, lambda: collect(return_type, field_details_list)
            )
            known = self._collected[key] = (field_details_list, collected)
        return known[1]

    def _allowed(self, guards: tuple[Guard, ...]) -> bool:
        """Whether every guard lets this request read the field (each asked once per request)."""
        for guard in guards:
            allowed = self._allows.get(guard)
            if allowed is None:
                allowed = self._allows[guard] = guard.allows(self.context_value)
            if not allowed:
                return False
        return True

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: Any,
        position_context: Any,
    ) -> Any:
        """graphql-core's `execute_fields`, with the short paths for the fields that can take them."""
        plans = self._leaf_plans.get(parent_type.name)
        if not plans:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        results: dict[str, Any] = {}
        general: dict[str, Any] = {}
        pending: list[str] = []  # objects whose selection completes later (an async field inside)
        try:
            for response_name, field_details_list in grouped_field_set.items():
                node = field_details_list[0].node
                plan = plans.get(node.name.value)
                if plan is None or node.arguments or (plan.guards and not self._allowed(plan.guards)):
                    general[response_name] = field_details_list
                    continue
                value = getattr(source_value, plan.attribute, _MISSING)
                if isinstance(plan, _Leaf):
                    answer = _answer(plan, value)
                elif type(value) is plan.origin:
                    field_path = Path(path, response_name, parent_type.name)
                    answer = self._object(plan, field_details_list, field_path, value, position_context)
                    if self.is_awaitable(answer):
                        pending.append(response_name)
                elif value is None and not isinstance(plan.field_type, GraphQLNonNull):
                    answer = None
                else:
                    answer = _MISSING
                if answer is _MISSING:
                    general[response_name] = field_details_list
                else:
                    results[response_name] = answer
            # The rest through graphql-core (resolvers, nulls, errors); the response keeps the query's order.
            rest = (
                super().execute_fields(parent_type, source_value, path, general, position_context)
                if general
                else {}
            )
        except Exception:
            # As graphql-core does: an error bubbling up still lets the started objects settle.
            self.settle_in_background([results[name] for name in pending])
            raise
        if not pending and isinstance(rest, dict):
            return _merged(results, rest, grouped_field_set)
        return self._merged_later(results, pending, rest, grouped_field_set)

    def _object(
        self, plan: _Object, field_details_list: Any, path: Path, value: Any, position_context: Any
    ) -> Any:
        """graphql-core's completion of a non-null object value, from `collect_and_execute_subfields` on,
        with its error handling (`execute_field`'s)."""
        try:
            completed = self.collect_and_execute_subfields(
                plan.type, field_details_list, path, value, position_context
            )
        except Exception as raw_error:
            self.handle_field_error(raw_error, plan.field_type, field_details_list, path)
            return None
        if self.is_awaitable(completed):
            return self._object_later(completed, plan, field_details_list, path)
        return completed

    async def _object_later(
        self, completed: Awaitable[Any], plan: _Object, field_details_list: Any, path: Path
    ) -> Any:
        try:
            return await completed
        except Exception as raw_error:
            self.handle_field_error(raw_error, plan.field_type, field_details_list, path)
            return None

    async def _merged_later(
        self,
        results: dict[str, Any],
        pending: list[str],
        rest: dict[str, Any] | Awaitable[dict[str, Any]],
        order: Any,
    ) -> dict[str, Any]:
        awaitables = [results[name] for name in pending]
        if not isinstance(rest, dict):
            awaitables.append(rest)
        awaited = await gather_with_cancel(*awaitables)
        results.update(zip(pending, awaited, strict=False))
        return _merged(results, rest if isinstance(rest, dict) else awaited[-1], order)


def _merged(results: dict[str, Any], rest: dict[str, Any], order: Any) -> dict[str, Any]:
    """Both parts, in the selection's order (a response's keys follow the query)."""
    if not results:
        return rest
    if not rest:
        return results
    results.update(rest)
    return {name: results[name] for name in order if name in results}


def _helpers_of(executor: ref[LeafFastExecutionContext]) -> GraphQLResolveInfoHelpers:
    """graphql-core's helpers for resolvers, reaching the executor without holding it (it runs while
    they can be called: resolvers call them during its execution)."""

    def alive() -> LeafFastExecutionContext:
        running = executor()
        if running is None:
            raise RuntimeError("the async helpers of a finished execution were called")
        return running

    def gather(values: Any) -> Any:
        return alive().gather_async_work(values)

    def track(values: Any) -> None:
        alive().track_async_work(values)

    return GraphQLResolveInfoHelpers(gather=gather, track=track)
