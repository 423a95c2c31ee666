"""Sub-selections collected once for all requests of a document, except where a request can change them."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import ExecutionResult, execute, parse
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from bookings_sessions.fast.executor import LeafFastExecutionContext
from bookings_sessions.fast.shared_selections import can_share


@strawberry.type
class Inner:
    c: int


@strawberry.type
class Item:
    a: str
    b: str
    inner: Inner


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item]:
        return [Item(a=f"a{n}", b=f"b{n}", inner=Inner(c=n)) for n in range(3)]


SCHEMA = strawberry.Schema(query=Query)


def _run(document: Any, executor: type[Any], **variables: Any) -> ExecutionResult:
    result = execute(SCHEMA._schema, document, variable_values=variables, executor_class=executor)
    assert isinstance(result, ExecutionResult)
    return result


def test_a_document_without_request_dependent_directives_answers_as_graphql_core_every_time() -> None:
    document = parse("query { items { a ...More inner { c } } } fragment More on Item { b renamed: a }")
    expected = _run(document, StrawberryGraphQLCoreExecutionContext)
    first, second = _run(document, LeafFastExecutionContext), _run(document, LeafFastExecutionContext)
    assert first == expected and second == expected
    assert expected.data is not None and expected.data["items"][2] == {
        "a": "a2",
        "b": "b2",
        "renamed": "a2",
        "inner": {"c": 2},
    }


def test_include_and_skip_follow_each_requests_variables() -> None:
    document = parse(
        "query ($with: Boolean!, $without: Boolean!) "
        "{ items { a b @include(if: $with) inner @skip(if: $without) { c } } }"
    )
    shown = _run(document, LeafFastExecutionContext, **{"with": True, "without": False})
    hidden = _run(document, LeafFastExecutionContext, **{"with": False, "without": True})
    assert shown.data is not None and shown.data["items"][0] == {"a": "a0", "b": "b0", "inner": {"c": 0}}
    assert hidden.data is not None and hidden.data["items"][0] == {"a": "a0"}


def test_which_documents_share() -> None:
    def operation(text: str, **options: Any) -> Any:
        return parse(text, **options).definitions[0]

    assert can_share(operation("{ items { a } }"))
    assert not can_share(operation("query ($x: Boolean!) { items { a @include(if: $x) } }"))
    assert not can_share(operation("{ items { ... on Item @defer { a } } }"))
    # Nothing to tell the text by: collected per request.
    assert not can_share(operation("{ items { a } }", no_location=True))
