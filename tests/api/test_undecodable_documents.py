"""A stored document the code cannot decode (issue 13, item 2) never breaks a listing or a lookup of the
others: it is skipped, its id logged once, and counted in `bookings_sessions_undecodable_documents_total`;
looking it up answers NOT_FOUND."""

from __future__ import annotations

import logging
import re
from datetime import date, datetime
from typing import Any

import pytest

from tests.support.api import Api
from tests.support.graphql import CREATE, DELETE, GET, UPDATE, entities_query, sessions_query, wall_time

LIST = sessions_query("_id")
ENTITIES = entities_query("_id")
WINDOW = {"from": "2020-12-01T00:00:00Z", "to": "2021-01-31T00:00:00Z"}
METRIC = re.compile(r"^bookings_sessions_undecodable_documents_total (\S+)$", re.MULTILINE)


def stored_time(local: str, utc: datetime) -> dict[str, Any]:
    return {"utc": utc, "local": local, "zone": "UTC"}


def bad_documents(series_id: str) -> list[dict[str, Any]]:
    at = datetime(2020, 12, 30, 15)
    bookkeeping = {"revision": 1, "createdDate": at, "updatedDate": at, "scheduleId": "s"}
    return [
        # What the server used to write for a year below 1000: strftime("%Y") does not zero-pad.
        {
            "_id": "bad-year",
            "kind": "single",
            **bookkeeping,
            "start": stored_time("999-12-30T15:00", at),
            "end": stored_time("999-12-30T16:00", at),
        },
        {
            "_id": "bad-missing-end",
            "kind": "single",
            **bookkeeping,
            "start": stored_time("2020-12-30T15:00", at),
        },
        {
            "_id": "bad-zone",
            "kind": "single",
            **bookkeeping,
            "start": {**stored_time("2020-12-30T15:00", at), "zone": "Nowhere/Atlantis"},
            "end": stored_time("2020-12-30T16:00", at),
        },
        {
            "_id": "bad-series",
            "kind": "series",
            **bookkeeping,
            "start": stored_time("2020-12-30T15:00", at),
            "end": stored_time("2020-12-30T16:00", at),
            "spanFrom": at,
            "spanTo": datetime(9999, 12, 20),
            "history": "not a list",
        },
        {
            "_id": "i_bad-exception",
            "kind": "instance",
            "recurringSessionId": series_id,
            "occurrenceDate": "2020-12-28",
            "startMode": "sideways",
            "revision": 1,
        },
    ]


async def metric(api: Api) -> float:
    text = (await api.client.get("/metrics")).text
    found = METRIC.search(text)
    assert found is not None, text
    return float(found.group(1))


async def ids(api: Api, token: str | None = None, **variables: Any) -> list[str]:
    data = await api.data(LIST, {"expand": False, **variables}, token=token)
    return [edge["node"]["_id"] for edge in data["sessions"]["edges"]]


@pytest.fixture
async def stored(api: Api) -> dict[str, str]:
    good = await api.create_single()
    series_info = {
        "scheduleId": "s",
        "start": wall_time(date(2020, 12, 28), 9),
        "end": wall_time(date(2020, 12, 28), 10),
        "recurrence": "FREQ=WEEKLY;BYDAY=MO",
    }
    series = (await api.data(CREATE, {"info": series_info}))["createSession"]
    sessions = api.app.state.runtime.services.store.sessions
    await sessions.insert_many(bad_documents(series["_id"]))
    return {"good": good["_id"], "series": series["_id"]}


async def test_listings_skip_undecodable_documents(api: Api, stored: dict[str, str]) -> None:
    assert await ids(api) == [stored["series"], stored["good"]]
    assert await ids(api, window=WINDOW) == [stored["series"], stored["good"]]
    expanded = await ids(api, window=WINDOW, expand=True)
    assert stored["good"] in expanded and len(expanded) == 1 + 5  # five Mondays of the series in the window
    assert await metric(api) >= 5


async def test_pages_skip_undecodable_documents_without_ending_early(
    api: Api, stored: dict[str, str]
) -> None:
    # Pages of one: the undecodable documents sort before the good ones, yet the pages go on.
    seen: list[str] = []
    after: str | None = None
    for _ in range(10):
        data = await api.data(LIST, {"expand": False, "first": 1, "after": after}, token=None)
        seen += [edge["node"]["_id"] for edge in data["sessions"]["edges"]]
        if not data["sessions"]["pageInfo"]["hasNextPage"]:
            break
        after = data["sessions"]["pageInfo"]["endCursor"]

    assert seen == [stored["series"], stored["good"]]


BACKWARDS = """query($before: String) {
  sessions(last: 1, before: $before) { edges { node { _id } } pageInfo { hasPreviousPage startCursor } }
}"""


async def test_pages_backwards_skip_undecodable_documents_without_ending_early(
    api: Api, stored: dict[str, str]
) -> None:
    # Pages of one from the end: the undecodable documents lie between the good ones and the start.
    seen: list[str] = []
    before: str | None = None
    for _ in range(10):
        data = await api.data(BACKWARDS, {"before": before}, token=None)
        seen = [edge["node"]["_id"] for edge in data["sessions"]["edges"]] + seen
        if not data["sessions"]["pageInfo"]["hasPreviousPage"]:
            break
        before = data["sessions"]["pageInfo"]["startCursor"]

    assert seen == [stored["series"], stored["good"]]


@pytest.mark.parametrize("bad_id", ["bad-year", "bad-missing-end", "bad-zone", "bad-series"])
async def test_looking_up_an_undecodable_document_is_not_found(
    api: Api, stored: dict[str, str], bad_id: str
) -> None:
    attempts: list[tuple[str, dict[str, Any]]] = [
        (GET, {"id": bad_id}),
        (UPDATE, {"id": bad_id, "info": {"notes": "x"}}),
        (UPDATE, {"id": bad_id, "info": {"tags": ["x"], "start": wall_time(date(2030, 1, 1), 9)}}),
        (DELETE, {"id": bad_id}),
    ]
    for query, variables in attempts:
        error = await api.error(query, variables)
        assert error["extensions"]["code"] == "NOT_FOUND", (query, error)

    entities = await api.data(
        ENTITIES,
        {
            "representations": [
                {"__typename": "Session", "_id": bad_id},
                {"__typename": "Session", "_id": stored["good"]},
            ]
        },
    )
    assert entities["_entities"] == [None, {"_id": stored["good"]}]
    assert (await api.data(GET, {"id": stored["good"]}))["session"]["_id"] == stored["good"]


async def test_each_undecodable_document_is_logged_once_and_counted_each_time(
    api: Api, stored: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    before = await metric(api)
    with caplog.at_level(logging.WARNING, logger="bookings_sessions.storage"):
        for _ in range(3):
            await ids(api)
            await api.error(GET, {"id": "bad-year"})

    logged = [record.getMessage() for record in caplog.records if "bad-year" in record.getMessage()]
    assert len(logged) == 1, logged
    assert await metric(api) - before == 3 * 4 + 3  # four bad sessions per listing, one per lookup
