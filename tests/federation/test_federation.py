"""Federation v2: a real Apollo Gateway composes our live subgraph and resolves `Session` entities."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from bookings_sessions.domain.recurrence import instance_id
from tests.support.api import Api
from tests.support.commands import SessionReads
from tests.support.graphql import CREATE, ENTITIES, single_session_info, weekly_series_info
from tests.support.live_server import LiveServer, run_node


def create_sessions(server: LiveServer, count: int) -> list[dict[str, Any]]:
    return [
        server.data(CREATE, {"info": single_session_info(notes=f"note {index}")})["createSession"]
        for index in range(count)
    ]


def test_service_sdl_is_a_federation_v2_subgraph(live_server: LiveServer) -> None:
    sdl = live_server.data("{ _service { sdl } }", token=None)["_service"]["sdl"]

    assert re.search(r'@link\(url: "https://specs\.apollo\.dev/federation/v2\.\d+"', sdl)
    assert 'type Session implements Node @key(fields: "_id")' in sdl
    assert "directive @requiresRole" in sdl


def test_gateway_resolves_session_entities_in_one_subgraph_request(live_server: LiveServer) -> None:
    singles = [session["_id"] for session in create_sessions(live_server, 3)]
    info = weekly_series_info(zone="Europe/Berlin", scheduleId="federated-schedule")
    series = live_server.data(CREATE, {"info": info})["createSession"]
    # Virtual instances: never stored, resolved from the series by their deterministic ids.
    instances = [instance_id(series["_id"], date(2030, 1, 14)), instance_id(series["_id"], date(2030, 7, 1))]
    ids = [*singles, series["_id"], *instances]

    report = run_node("federation.mjs", live_server.graphql_url, live_server.tokens.staff, *ids)

    assert "errors" not in report["result"], report["result"]
    bookings = report["result"]["data"]["bookings"]
    assert [booking["session"] and booking["session"]["_id"] for booking in bookings] == [*ids, None]
    assert [booking["session"]["notes"] for booking in bookings[:3]] == ["note 0", "note 1", "note 2"]
    assert bookings[0]["session"]["start"]["timestamp"].startswith("2020-12-30T15:00:00")
    # 10:00 in Berlin is 09:00 UTC in winter and 08:00 UTC in summer: each instance is its own occurrence.
    assert bookings[4]["session"]["start"]["timestamp"].startswith("2030-01-14T09:00:00")
    assert bookings[5]["session"]["start"]["timestamp"].startswith("2030-07-01T08:00:00")
    # The gateway sent all seven references to our server in a single `_entities` request.
    assert len(report["sessionsRequests"]) == 1, report["sessionsRequests"]
    assert "_entities(representations:" in report["sessionsRequests"][0]["query"]
    assert report["sessionsRequests"][0]["representations"] == 7
    assert "join__graph" in report["supergraphSdl"] and "SESSIONS" in report["supergraphSdl"]


async def test_entities_load_in_one_database_round_trip(api: Api, session_reads: SessionReads) -> None:
    ids = [(await api.create_single(notes=f"n{index}"))["_id"] for index in range(3)]
    session_reads.reads.clear()

    representations = [{"__typename": "Session", "_id": session_id} for session_id in [*ids, "missing"]]
    body = await api.post(ENTITIES, {"representations": representations}, api.tokens.staff)

    assert "errors" not in body, body
    assert [entity and entity["_id"] for entity in body["data"]["_entities"]] == [*ids, None]
    assert [entity["notes"] for entity in body["data"]["_entities"][:3]] == ["n0", "n1", "n2"]
    assert len(session_reads.reads) == 1, session_reads.reads


async def test_entities_with_virtual_instances_load_in_one_database_round_trip(
    api: Api, session_reads: SessionReads
) -> None:
    series_id = (await api.create_series(zone="UTC", scheduleId="s"))["_id"]
    single_id = (await api.create_single())["_id"]
    instance_ids = [instance_id(series_id, date(2030, 1, 7) + timedelta(weeks=n)) for n in (1, 2, 3)]
    session_reads.reads.clear()

    representations = [{"__typename": "Session", "_id": i} for i in [single_id, *instance_ids]]
    body = await api.post(ENTITIES, {"representations": representations}, api.tokens.staff)

    assert "errors" not in body, body
    assert [entity["_id"] for entity in body["data"]["_entities"]] == [single_id, *instance_ids]
    assert len(session_reads.reads) == 1, [read.get("filter") for read in session_reads.reads]
