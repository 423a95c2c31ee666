"""The request path does per-document work once: a repeated document is parsed and validated once."""

from __future__ import annotations

from bookings_sessions.fast import install_schema
from bookings_sessions.schema import SessionsSchema, build_schema


def fast_schema() -> SessionsSchema:
    schema = build_schema()
    install_schema(schema)
    return schema


async def test_a_repeated_document_is_prepared_once() -> None:
    schema = build_schema()
    assert schema.prepared_documents is not None
    document = "query Probe { __typename }"
    assert (await schema.execute(document)).errors is None
    prepared = schema.prepared_documents.get(document)
    for _ in range(5):
        assert (await schema.execute(document)).errors is None
    # The same prepared document (parsed tree, validation outcome) serves every repetition.
    assert schema.prepared_documents.get(document) is prepared


async def test_the_limits_still_refuse_abusive_documents() -> None:
    schema = build_schema(max_depth=3, max_aliases=2)
    deep = "{ sessions { edges { node { start { localDateTime { year } } } } } }"
    aliased = "{ a: __typename b: __typename c: __typename }"
    for document in (deep, aliased):
        result = await schema.execute(document)
        assert result.errors, document


async def test_root_typename_only_operations_are_answered_from_the_document() -> None:
    schema = fast_schema()
    assert schema.prepared_documents is not None
    health_check = "query __ApolloServiceHealthCheck__ { __typename }"
    constants = {
        health_check: {"__typename": "Query"},
        "{ a: __typename b: __typename }": {"a": "Query", "b": "Query"},
        "mutation { __typename }": {"__typename": "Mutation"},
    }
    for document, data in constants.items():
        operation = schema.prepared_documents.get(document).operation(None)
        assert operation is not None and operation.constant_data == data, document
        result = await schema.execute(document)
        assert (result.data, result.errors) == (data, None), document


async def test_anything_more_than_root_typenames_is_executed() -> None:
    schema = fast_schema()
    assert schema.prepared_documents is not None
    executed = {
        "query ($show: Boolean!) { __typename @include(if: $show) }": {},
        "{ ... on Query { __typename } }": {"__typename": "Query"},
        '{ __typename __type(name: "Session") { name } }': {
            "__typename": "Query",
            "__type": {"name": "Session"},
        },
    }
    for document, data in executed.items():
        operation = schema.prepared_documents.get(document).operation(None)
        assert operation is not None and operation.constant_data is None, document
        result = await schema.execute(document, variable_values={"show": False})
        assert (result.data, result.errors) == (data, None), document


async def test_an_invalid_typename_document_is_refused_not_folded() -> None:
    schema = build_schema()
    result = await schema.execute("{ __typename(x: 1) }")
    assert result.data is None and result.errors
    assert result.errors[0].extensions == {"code": "GRAPHQL_VALIDATION_FAILED"}
