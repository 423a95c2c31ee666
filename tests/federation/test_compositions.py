"""The live subgraph composes with a second subgraph that extends `Session`, under both composition
libraries in use: Apollo's (Apollo Gateway, Router) and The Guild's (Hive Gateway, GraphQL Mesh)."""

from __future__ import annotations

import re
from datetime import date

import pytest

from bookings_sessions.domain.recurrence import instance_id
from tests.support.graphql import CREATE, single_session_info, weekly_series_info
from tests.support.live_server import LiveServer, run_node

# The Federation 2 version that introduced each directive a subgraph may import
# (https://www.apollographql.com/docs/graphos/reference/federation/versions).
DIRECTIVE_SINCE = {
    "@key": (2, 0),
    "@shareable": (2, 0),
    "@external": (2, 0),
    "@requires": (2, 0),
    "@provides": (2, 0),
    "@extends": (2, 0),
    "@inaccessible": (2, 0),
    "@override": (2, 0),
    "@tag": (2, 0),
    "@composeDirective": (2, 1),
    "@interfaceObject": (2, 3),
    "@authenticated": (2, 5),
    "@requiresScopes": (2, 5),
    "@policy": (2, 6),
    "@context": (2, 8),
    "@fromContext": (2, 8),
    "@cost": (2, 9),
    "@listSize": (2, 9),
}

FEDERATION_LINK = re.compile(
    r'@link\(url: "https://specs\.apollo\.dev/federation/v(\d+)\.(\d+)", import: \[([^\]]*)\]\)'
)


def test_the_subgraph_links_the_lowest_federation_version_it_needs(live_server: LiveServer) -> None:
    sdl = live_server.data("{ _service { sdl } }", token=None)["_service"]["sdl"]

    link = FEDERATION_LINK.search(sdl)
    assert link, sdl[:500]
    imported = re.findall(r'"(@\w+)"', link.group(3))
    assert imported and set(imported) <= DIRECTIVE_SINCE.keys(), imported
    linked = (int(link.group(1)), int(link.group(2)))
    assert linked == max(DIRECTIVE_SINCE[name] for name in imported), (linked, imported)


@pytest.mark.parametrize("composer", ["apollo", "guild"])
def test_composes_with_a_subgraph_that_extends_session(live_server: LiveServer, composer: str) -> None:
    report = run_node("compose.mjs", composer, live_server.graphql_url)

    assert report["errors"] == [], report["errors"]
    supergraph = report["supergraphSdl"]
    # Session is an entity of both subgraphs; `room` is resolved by the rooms subgraph only.
    session = re.search(r"type Session\b[^{]*\{(.*?)\n\}", supergraph, re.S)
    assert session, supergraph
    assert 'join__type(graph: SESSIONS, key: "_id")' in session.group(0)
    assert 'join__type(graph: ROOMS, key: "_id")' in session.group(0)
    assert re.search(r"room: String! @join__field\(graph: ROOMS\)", session.group(1)), session.group(0)
    assert re.search(r"notes: String @join__field\(graph: SESSIONS\)", session.group(1)), session.group(0)


def test_hive_gateway_queries_across_both_subgraphs(live_server: LiveServer) -> None:
    single = live_server.data(CREATE, {"info": single_session_info(notes="single note")})["createSession"]
    info = weekly_series_info(zone="Europe/Berlin", scheduleId="hive-schedule")
    series = live_server.data(CREATE, {"info": info})["createSession"]
    occurrence = instance_id(series["_id"], date(2030, 7, 1))  # virtual: resolved from its series
    token = live_server.tokens.staff

    report = run_node(
        "hive-gateway.mjs", "queries", live_server.graphql_url, token, single["_id"], occurrence
    )

    results, requests = report["results"], report["requests"]
    # Bookings come from the rooms subgraph; their sessions from ours, by `_entities`, in one request.
    with_token = results["bookingsWithToken"]
    assert "errors" not in with_token, with_token
    sessions = [booking["session"] for booking in with_token["data"]["bookings"]]
    ids = [single["_id"], occurrence]
    assert [session["_id"] for session in sessions] == ids
    assert [session["notes"] for session in sessions] == ["single note", None]
    assert [session["room"] for session in sessions] == [f"room for {id_}" for id_ in ids]
    assert sessions[0]["start"]["timestamp"].startswith("2020-12-30T15:00:00")
    assert sessions[1]["start"]["timestamp"].startswith("2030-07-01T08:00:00")  # 10:00 in Berlin, summer
    assert sessions[1]["scheduleId"] == "hive-schedule"
    # `notes` is @requiresRole: without a token the gateway passes our FORBIDDEN on and the rest answers.
    without_token = results["bookingsWithoutToken"]
    assert [booking["session"]["notes"] for booking in without_token["data"]["bookings"]] == [None, None]
    assert [booking["session"]["room"] for booking in without_token["data"]["bookings"]] == [
        session["room"] for session in sessions
    ]
    codes = [(error["extensions"]["code"], error["path"][-1]) for error in without_token["errors"]]
    assert codes == [("FORBIDDEN", "notes")] * 2, without_token["errors"]
    # The occurrence asked of our server; its `room` fetched from the rooms subgraph's `_entities`.
    assert results["occurrenceWithToken"]["data"]["session"] == {
        "_id": occurrence,
        "notes": None,
        "room": f"room for {occurrence}",
        "start": sessions[1]["start"],
    }
    entity_fetches = [(r["subgraph"], r["representations"]) for r in requests if "_entities" in r["query"]]
    assert entity_fetches == [("sessions", 2), ("sessions", 2), ("rooms", 1)], requests
    # The gateway forwarded the client's Authorization header, and only when the client sent one.
    assert [r["authorization"] for r in requests] == [None, None] + [f"Bearer {token}"] * 4, requests


def test_hive_gateway_subscribes_to_our_server_over_graphql_ws(live_server: LiveServer) -> None:
    session = live_server.data(CREATE, {"info": single_session_info()})["createSession"]
    tokens = live_server.tokens

    report = run_node(
        "hive-gateway.mjs",
        "subscription",
        live_server.graphql_url,
        tokens.staff,
        tokens.admin,
        session["_id"],
        session["scheduleId"],
    )

    # With the client's token (sent in `connection_init`), an update made on our server arrives through
    # the gateway with `room` added from the rooms subgraph.
    event = report["results"]["subscriptionWithToken"]["event"]
    assert "errors" not in event, event
    updated = event["data"]["sessionUpdated"]
    assert updated["_id"] == session["_id"]
    assert updated["notes"].startswith("via hive "), updated  # staff-only: the token reached our server
    assert updated["room"] == f"room for {session['_id']}"
    # Without one our server refuses the subscription (FORBIDDEN, in a graphql-ws `error` message); the
    # gateway ends it with an error of its own and no data (docs/clients.md says why).
    without_token = report["results"]["subscriptionWithoutToken"]["event"]
    assert without_token["errors"] and not without_token.get("data"), without_token
