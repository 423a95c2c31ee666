"""GraphQL over HTTP: graphql-http's audits against the live server, and our own choices on top."""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.support.live_server import LiveServer, run_node
from tests.support.paths import DOCS_DIR

CLIENTS_DOC = DOCS_DIR / "clients.md"
GRAPHQL_RESPONSE = "application/graphql-response+json"


def documented_should_failures() -> set[str]:
    """Audit ids listed under docs/clients.md's "SHOULD audits that fail" heading, as "- `ID`: reason"."""
    text = CLIENTS_DOC.read_text(encoding="utf-8")
    section = text.split("SHOULD audits that fail", 1)[1].split("\n#", 1)[0]
    return set(re.findall(r"^- `([0-9A-Z]{4})`", section, flags=re.MULTILINE))


def test_graphql_http_audits(live_server: LiveServer) -> None:
    results: list[dict[str, Any]] = run_node("audit.mjs", live_server.graphql_url)

    assert len(results) > 50, results
    failed_musts = [r for r in results if r["name"].startswith("MUST") and r["status"] != "ok"]
    assert not failed_musts, failed_musts
    failed_shoulds = {
        r["id"]: r["reason"] for r in results if r["name"].startswith("SHOULD") and r["status"] != "ok"
    }
    assert set(failed_shoulds) == documented_should_failures(), (
        f"failing SHOULD audits {failed_shoulds} must be exactly those listed in docs/{CLIENTS_DOC.name}"
    )


def test_queries_over_get(live_server: LiveServer) -> None:
    response = httpx.get(
        live_server.graphql_url,
        params={
            "query": "query Ping($x: Boolean!) { __typename @include(if: $x) }",
            "variables": '{"x": true}',
        },
        headers={"Accept": "application/json"},
    )

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"data": {"__typename": "Query"}}


def test_mutations_over_get_are_refused_with_405_and_nothing_is_written(live_server: LiveServer) -> None:
    mutation = (
        'mutation { createSession(sessionInfo: {scheduleId: "get", '
        'start: {timestamp: "2021-01-01T10:00:00Z"}, end: {timestamp: "2021-01-01T11:00:00Z"}}) { _id } }'
    )
    before = live_server.count_documents()

    response = httpx.get(
        live_server.graphql_url,
        params={"query": mutation},
        headers={"Authorization": f"Bearer {live_server.tokens.admin}"},
    )

    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert "mutations" in response.json()["errors"][0]["message"]
    assert live_server.count_documents() == before
    # The same document over POST does write: the GET was refused for its method alone.
    assert live_server.post(mutation)["data"]["createSession"]["_id"]
    assert live_server.count_documents() == before + 1


def test_other_methods_get_405_with_allow(live_server: LiveServer) -> None:
    response = httpx.put(live_server.graphql_url, json={"query": "{ __typename }"})

    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"


def test_graphql_response_json_is_negotiated(live_server: LiveServer) -> None:
    accept = f"{GRAPHQL_RESPONSE}, application/json;q=0.9"
    ok = httpx.post(live_server.graphql_url, json={"query": "{ __typename }"}, headers={"Accept": accept})
    invalid = httpx.post(live_server.graphql_url, json={"query": "{ nope }"}, headers={"Accept": accept})
    unparsable = httpx.post(live_server.graphql_url, json={"query": "{"}, headers={"Accept": accept})
    # A field error is not a request error: the operation ran, so 200 with data.
    forbidden = httpx.post(
        live_server.graphql_url,
        json={"query": 'mutation { deleteSession(sessionId: "x") { _id } }'},
        headers={"Accept": accept},
    )

    assert ok.status_code == 200 and ok.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert ok.json() == {"data": {"__typename": "Query"}}
    for response in (invalid, unparsable):
        assert response.status_code == 400 and response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
        assert "data" not in response.json() and response.json()["errors"]
    assert forbidden.status_code == 200 and forbidden.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert forbidden.json()["data"] is None
    assert forbidden.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_legacy_json_clients_get_200_for_request_errors(live_server: LiveServer) -> None:
    response = httpx.post(
        live_server.graphql_url, json={"query": "{ nope }"}, headers={"Accept": "application/json"}
    )

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert "data" not in body
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


def test_syntax_errors_carry_a_code(live_server: LiveServer) -> None:
    body = httpx.post(live_server.graphql_url, json={"query": "{"}).json()

    # Without SafeParserCache the syntax error would escape ErrorCodes and arrive without a code.
    assert body["errors"][0]["extensions"]["code"] in ("GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED")
    assert body["errors"][0]["message"].startswith("Syntax Error")


def test_request_level_errors_are_graphql_shaped_json(live_server: LiveServer) -> None:
    bad_json = httpx.post(
        live_server.graphql_url, content=b"{not json", headers={"Content-Type": "application/json"}
    )
    no_query = httpx.get(live_server.graphql_url, headers={"Accept": "*/*"})

    assert bad_json.status_code == 400
    assert bad_json.json()["errors"][0]["message"]
    # A GET without a query from a non-browser is an API call, not a request for GraphiQL.
    assert no_query.status_code == 400
    assert no_query.headers["content-type"].startswith("application/json")
