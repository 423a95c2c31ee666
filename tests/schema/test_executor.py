"""The executor's short path answers exactly what graphql-core's own path answers, errors included."""

from __future__ import annotations

import asyncio
import enum
import gc
from inspect import isawaitable
from typing import Any

import strawberry
from graphql import (
    ExecutionResult,
    GraphQLField,
    GraphQLInt,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
    execute,
    parse,
)
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from bookings_sessions.fast.executor import LeafFastExecutionContext
from bookings_sessions.schema.types import ANSWER_WITHOUT_ARGUMENTS


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Shade(int):
    """An int subclass: graphql-core decides what a String or Int field makes of it."""


@strawberry.type
class Part:
    label: str
    size: int | None


@strawberry.type
class Item:
    part: Part | None
    parts: list[Part]
    name: str
    count: int
    colour: Colour
    tags: list[str]
    maybe_tags: list[str | None] | None
    note: str | None

    @strawberry.field
    def shout(self) -> str:
        return self.name.upper()


def _item(**values: Any) -> Item:
    """Built without the type checker: the broken ones carry values their types do not allow."""
    return Item(**values)


def _part(**values: Any) -> Part:
    return Part(**values)


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item | None]:
        good = _item(
            part=Part(label="p", size=None),
            parts=[Part(label="q", size=1)],
            name="a",
            count=1,
            colour=Colour.RED,
            tags=["x"],
            maybe_tags=[None, "y"],
            note=None,
        )
        # Broken the ways a resolver's data can be: a null in a non-null field and in a non-null list
        # item, a value the scalar refuses, an enum value that is not one.
        null_name = _item(
            part=_part(label=None, size=2),
            parts=[],
            name=None,
            count=2,
            colour=Colour.BLUE,
            tags=[],
            maybe_tags=None,
            note="n",
        )
        null_tag = _item(
            part=None,
            parts=[_part(label=None, size=3)],
            name="c",
            count=3,
            colour=Colour.BLUE,
            tags=["ok", None],
            maybe_tags=[],
            note=None,
        )
        bad_int = _item(
            part=_part(label="r", size="big"),
            parts=[],
            name="d",
            count="many",
            colour=Colour.RED,
            tags=[],
            maybe_tags=None,
            note=None,
        )
        bad_enum = _item(
            part=None, parts=[], name="e", count=5, colour="green", tags=[], maybe_tags=None, note=None
        )
        # An Int past 32 bits, a bool where an Int and a String go (graphql-core coerces those), and an
        # int subclass: none of them is answered as it is.
        too_big = _item(
            part=_part(label=True, size=2**31),
            parts=[],
            name="f",
            count=-(2**31) - 1,
            colour=Colour.RED,
            tags=[False],
            maybe_tags=None,
            note=None,
        )
        coerced = _item(
            part=_part(label="s", size=True),
            parts=[],
            name=Colour.RED,
            count=Colour.BLUE,
            colour=Colour.BLUE,
            tags=[1.5],
            maybe_tags=None,
            note=Shade(7),
        )
        return [good, null_name, null_tag, bad_int, bad_enum, too_big, coerced]


SCHEMA = strawberry.Schema(query=Query)
DOCUMENT = parse(
    "{ items { name count colour tags maybeTags note shout alias: count __typename "
    "part { label size } parts { label } } "
    "other: items { ... on Item { name tags } } }"
)


def _run(executor: type[Any]) -> ExecutionResult:
    result = execute(SCHEMA._schema, DOCUMENT, executor_class=executor)
    assert isinstance(result, ExecutionResult)
    return result


def _errors(result: ExecutionResult) -> set[tuple[str, tuple[str | int, ...]]]:
    return {(error.message, tuple(error.path or ())) for error in result.errors or []}


def _at(data: Any, path: list[str | int]) -> Any:
    for key in path:
        data = data[key]
    return data


def test_the_short_path_answers_what_graphql_core_answers() -> None:
    generic = _run(StrawberryGraphQLCoreExecutionContext)
    short = _run(LeafFastExecutionContext)

    assert short.data == generic.data
    # Every error graphql-core reports, worded and located the same. The short path may also report an
    # error of a sibling inside an object already nulled by another (graphql-core stops at the first);
    # the spec allows either, as fields may run in any order.
    assert _errors(generic) <= _errors(short)
    for _, path in _errors(short) - _errors(generic):
        assert _at(generic.data, list(path[:-2])) is None, path
    # The document did exercise both the answers and the errors.
    assert generic.data is not None and generic.data["items"][0]["maybeTags"] == [None, "y"]
    assert len(generic.errors or []) >= 4


@strawberry.type
class Clock:
    stored: strawberry.Private[Part]

    @strawberry.field(metadata={ANSWER_WITHOUT_ARGUMENTS: "stored"})
    def reading(self, label: str | None = None) -> Part:
        return self.stored if label is None else Part(label=label, size=None)


@strawberry.type
class ClockQuery:
    @strawberry.field
    def clocks(self) -> list[Clock]:
        return [Clock(stored=Part(label="own", size=1)), Clock(stored=Part(label="two", size=None))]


def test_a_field_with_arguments_is_short_only_when_asked_without_them() -> None:
    """`localDateTime(timeZone:)`: asked without arguments it reads the named attribute; with them (even
    a variable) it runs its resolver."""
    schema = strawberry.Schema(query=ClockQuery)._schema
    document = parse(
        'query($l: String) { clocks { reading { label size } given: reading(label: "x") { label } '
        "variable: reading(label: $l) { label } } }"
    )
    answers = [
        execute(schema, document, variable_values={"l": "v"}, executor_class=executor)
        for executor in (StrawberryGraphQLCoreExecutionContext, LeafFastExecutionContext)
    ]

    generic, short = (answer.data for answer in answers if isinstance(answer, ExecutionResult))
    assert short == generic
    assert short is not None and short["clocks"][0] == {
        "reading": {"label": "own", "size": 1},
        "given": {"label": "x"},
        "variable": {"label": "v"},
    }


def _sum_of_gathered(_source: object, info: GraphQLResolveInfo[Any]) -> Any:
    async def one(value: int) -> int:
        await asyncio.sleep(0)
        return value

    async def total() -> int:
        return sum(await info.async_helpers.gather([one(1), one(2)]))

    return total()


GATHERING = GraphQLSchema(
    GraphQLObjectType("Query", {"total": GraphQLField(GraphQLInt, resolve=_sum_of_gathered)})
)


async def test_a_finished_operation_leaves_no_cycle_behind_yet_resolvers_keep_the_async_helpers() -> None:
    """graphql-core's executor holds helpers bound to itself: a cycle that kept every request's objects
    (its context, the HTTP request, the answer) for the collector. Ours are freed when the answer is."""
    gc.collect()
    gc.disable()
    try:
        for _ in range(3):
            result = execute(GATHERING, parse("{ total }"), executor_class=LeafFastExecutionContext)
            assert isawaitable(result)
            assert await result == ExecutionResult(data={"total": 3})
        left = [item for item in gc.get_objects() if isinstance(item, LeafFastExecutionContext)]
    finally:
        gc.enable()
    assert left == []
