"""Automatic persisted queries (Apollo's protocol) over POST and GET, against the real app."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.support.api import Api, SettingsFor, serving
from tests.support.graphql import CREATE, single_session_info
from tests.support.live_server import LiveServer
from tests.support.tokens import Tokens

# What Apollo Client's HttpLink sends; graphql-response+json makes request errors 400, except these.
APOLLO_ACCEPT = "application/graphql-response+json,application/json;q=0.9"


def auth(tokens: Tokens) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens.admin}", "Accept": APOLLO_ACCEPT}


def sha256(query: str) -> str:
    return hashlib.sha256(query.encode("utf-8")).hexdigest()


def persisted(query_hash: str, version: object = 1) -> dict[str, Any]:
    return {"persistedQuery": {"version": version, "sha256Hash": query_hash}}


def unique_query() -> str:
    """A document no earlier test registered (the live server's store outlives a test)."""
    return f"query Probe{uuid.uuid4().hex} {{ __typename }}"


def post(server: LiveServer, body: dict[str, Any]) -> httpx.Response:
    return httpx.post(server.graphql_url, json=body, headers=auth(server.tokens), timeout=10)


def get(server: LiveServer, params: dict[str, Any]) -> httpx.Response:
    encoded = {key: json.dumps(value) if isinstance(value, dict) else value for key, value in params.items()}
    return httpx.get(server.graphql_url, params=encoded, headers=auth(server.tokens), timeout=10)


def error_of(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert "data" not in body and len(body["errors"]) == 1, body
    error: dict[str, Any] = body["errors"][0]
    return error


def test_an_unknown_hash_answers_200_persisted_query_not_found(live_server: LiveServer) -> None:
    for response in (
        post(live_server, {"extensions": persisted(sha256(unique_query()))}),
        get(live_server, {"extensions": persisted(sha256(unique_query()))}),
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/graphql-response+json")
        error = error_of(response)
        assert error["message"] == "PersistedQueryNotFound"
        assert error["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


def test_hash_and_query_register_then_the_hash_alone_runs_over_post_and_get(live_server: LiveServer) -> None:
    query = "query Ping($x: Boolean!) { __typename @include(if: $x) }"
    extensions = persisted(sha256(query))
    variables = {"x": True}

    registered = post(live_server, {"query": query, "variables": variables, "extensions": extensions})
    by_post = post(live_server, {"variables": variables, "extensions": extensions})
    by_get = get(live_server, {"variables": variables, "extensions": extensions, "operationName": "Ping"})

    for response in (registered, by_post, by_get):
        assert response.status_code == 200
        assert response.json() == {"data": {"__typename": "Query"}}


def test_a_hash_that_does_not_match_the_query_is_bad_input_and_registers_nothing(
    live_server: LiveServer,
) -> None:
    query = unique_query()
    wrong = sha256(query + " ")

    response = post(live_server, {"query": query, "extensions": persisted(wrong)})

    assert response.status_code == 400
    error = error_of(response)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "does not match" in error["message"]
    later = error_of(post(live_server, {"extensions": persisted(wrong)}))
    assert later["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


@pytest.mark.parametrize(
    "persisted_query",
    [
        {"version": 2, "sha256Hash": "0" * 64},
        {"version": True, "sha256Hash": "0" * 64},
        {"sha256Hash": "0" * 64},
        {"version": 1, "sha256Hash": "not-a-hash"},
        {"version": 1},
        "0" * 64,
    ],
)
def test_malformed_persisted_query_extensions_are_bad_input(
    live_server: LiveServer, persisted_query: object
) -> None:
    response = post(
        live_server, {"query": "{ __typename }", "extensions": {"persistedQuery": persisted_query}}
    )

    assert response.status_code == 400
    assert error_of(response)["extensions"]["code"] == "BAD_USER_INPUT"


def test_a_document_that_does_not_parse_is_not_registered(live_server: LiveServer) -> None:
    query = "{ __typename"
    extensions = persisted(sha256(query))

    first = error_of(post(live_server, {"query": query, "extensions": extensions}))
    second = error_of(post(live_server, {"extensions": extensions}))

    assert first["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    assert second["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


def test_a_mutation_found_by_hash_is_still_refused_over_get(live_server: LiveServer) -> None:
    mutation = CREATE + f"# {uuid.uuid4()}\n"
    extensions = persisted(sha256(mutation))
    variables = {"info": single_session_info(scheduleId="apq-get")}
    registered = post(live_server, {"query": mutation, "variables": variables, "extensions": extensions})
    assert registered.json()["data"]["createSession"]["_id"]
    before = live_server.count_documents()

    response = get(live_server, {"variables": variables, "extensions": extensions})

    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert "mutations" in error_of(response)["message"]
    assert live_server.count_documents() == before
    # The same hash over POST runs it: GET was refused for its method alone.
    assert post(live_server, {"variables": variables, "extensions": extensions}).json()["data"]
    assert live_server.count_documents() == before + 1


@pytest.fixture
async def small_store_app(
    settings_for: SettingsFor, tokens: Tokens, database_name: str, request: pytest.FixtureRequest
) -> AsyncIterator[Api]:
    async with serving(settings_for(persisted_queries_cache_size=request.param), tokens) as running:
        yield running
        await running.app.state.runtime.client.drop_database(database_name)


async def run(app: Api, query: str, send_query: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"extensions": persisted(sha256(query))}
    if send_query:
        body["query"] = query
    response = await app.client.post("/graphql", json=body, headers=auth(app.tokens))
    assert response.status_code == 200
    result: dict[str, Any] = response.json()
    return result


def code_of(body: dict[str, Any]) -> str | None:
    return body["errors"][0]["extensions"]["code"] if "errors" in body else None


# Each document below is 40 bytes: the store holds two of them, not three.
@pytest.mark.parametrize("small_store_app", [100], indirect=True)
async def test_the_store_is_a_byte_bounded_lru(small_store_app: Api) -> None:
    first, second, third = (f"query Q{n} {{ __typename       __typename }}" for n in range(3))
    assert {len(q) for q in (first, second, third)} == {40}
    await run(small_store_app, first, send_query=True)
    await run(small_store_app, second, send_query=True)
    assert code_of(await run(small_store_app, first, send_query=False)) is None  # first: now most recent

    await run(small_store_app, third, send_query=True)

    assert code_of(await run(small_store_app, second, send_query=False)) == "PERSISTED_QUERY_NOT_FOUND"
    assert code_of(await run(small_store_app, first, send_query=False)) is None
    assert code_of(await run(small_store_app, third, send_query=False)) is None
    # A document larger than the whole store runs but is never kept.
    large = "query Large { " + "__typename " * 20 + "}"
    assert (await run(small_store_app, large, send_query=True))["data"] == {"__typename": "Query"}
    assert code_of(await run(small_store_app, large, send_query=False)) == "PERSISTED_QUERY_NOT_FOUND"


@pytest.mark.parametrize("small_store_app", [0], indirect=True)
async def test_size_zero_turns_persisted_queries_off(small_store_app: Api) -> None:
    query = "{ __typename }"

    registering = await run(small_store_app, query, send_query=True)
    by_hash = await run(small_store_app, query, send_query=False)
    plain = await small_store_app.client.post("/graphql", json={"query": query})

    assert code_of(registering) == code_of(by_hash) == "PERSISTED_QUERY_NOT_SUPPORTED"
    assert by_hash["errors"][0]["message"] == "PersistedQueryNotSupported"
    assert plain.json() == {"data": {"__typename": "Query"}}
