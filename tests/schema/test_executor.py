"""The executor's short path answers exactly what graphql-core's own path answers, errors included."""

from __future__ import annotations

import enum
from typing import Any

import strawberry
from graphql import ExecutionResult, execute, parse
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from bookings_sessions.schema.executor import ShortcutExecutor


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.type
class Item:
    name: str
    count: int
    colour: Colour
    tags: list[str]
    maybe_tags: list[str | None] | None
    note: str | None

    @strawberry.field
    def shout(self) -> str:
        return self.name.upper()


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item | None]:
        good = Item(name="a", count=1, colour=Colour.RED, tags=["x"], maybe_tags=[None, "y"], note=None)
        # Broken the ways a resolver's data can be: a null in a non-null field and in a non-null list
        # item, a value the scalar refuses, an enum value that is not one.
        null_name = Item(name=None, count=2, colour=Colour.BLUE, tags=[], maybe_tags=None, note="n")  # type: ignore[arg-type]
        null_tag = Item(name="c", count=3, colour=Colour.BLUE, tags=["ok", None], maybe_tags=[], note=None)  # type: ignore[list-item]
        bad_int = Item(name="d", count="many", colour=Colour.RED, tags=[], maybe_tags=None, note=None)  # type: ignore[arg-type]
        bad_enum = Item(name="e", count=5, colour="green", tags=[], maybe_tags=None, note=None)  # type: ignore[arg-type]
        return [good, null_name, null_tag, bad_int, bad_enum]


SCHEMA = strawberry.Schema(query=Query)
DOCUMENT = parse(
    "{ items { name count colour tags maybeTags note shout alias: count __typename } "
    "other: items { ... on Item { name tags } } }"
)


def _run(executor: type[Any]) -> ExecutionResult:
    result = execute(SCHEMA._schema, DOCUMENT, executor_class=executor)
    assert isinstance(result, ExecutionResult)
    return result


def _errors(result: ExecutionResult) -> list[tuple[str, list[str | int] | None]]:
    return sorted((error.message, error.path) for error in result.errors or [])  # type: ignore[arg-type]


def test_the_short_path_answers_what_graphql_core_answers() -> None:
    generic = _run(StrawberryGraphQLCoreExecutionContext)
    short = _run(ShortcutExecutor)

    assert short.data == generic.data
    assert _errors(short) == _errors(generic)
    # The document did exercise both the answers and the errors.
    assert generic.data is not None and generic.data["items"][0]["maybeTags"] == [None, "y"]
    assert len(generic.errors or []) >= 4
