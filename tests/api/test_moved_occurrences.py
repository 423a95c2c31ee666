"""A moved occurrence is listed in the week it moved to, whatever the series' own span (issue 21, item 1)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from bookings_sessions.domain.recurrence import instance_id
from tests.support.api import Api
from tests.support.graphql import SESSIONS, entities_query, wall_time, window

ZONE = "Europe/London"
FIRST_TUESDAY = date(2027, 1, 5)
MOVED_DAY = date(2027, 2, 9)  # the series' last occurrence (its 6th)
EMPTY_WEEK = window(datetime(2027, 3, 29, tzinfo=UTC), datetime(2027, 4, 5, tzinfo=UTC))


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"business_time_zone": ZONE}


async def moved_series(api: Api, to: date, schedule: str = "week-view") -> tuple[str, str]:
    """A weekly TU series (6 from 5 January 2027, 18:00-19:00 London) whose 9 February occurrence
    moved to 09:00-10:00 on `to`: (series id, instance id)."""
    series = await api.create_series(
        rule="FREQ=WEEKLY;BYDAY=TU;COUNT=6",
        first=FIRST_TUESDAY,
        hours=(18, 19),
        zone=ZONE,
        scheduleId=schedule,
    )
    moved = instance_id(series["_id"], MOVED_DAY)
    await api.update(moved, {"start": wall_time(to, 9), "end": wall_time(to, 10)})
    return series["_id"], moved


async def listed(api: Api, filter_: dict[str, object], week: dict[str, str], first: int = 50) -> list[str]:
    page = await api.data(SESSIONS, {"filter": filter_, "window": week, "expand": True, "first": first})
    return [edge["node"]["_id"] for edge in page["sessions"]["edges"]]


async def test_an_occurrence_moved_past_the_series_end_is_listed_in_its_new_week(api: Api) -> None:
    series_id, moved = await moved_series(api, date(2027, 3, 30))
    assert (await api.session(moved))["start"]["timestamp"].startswith("2027-03-30T08:00:00")  # BST

    assert await listed(api, {"scheduleId": "week-view"}, EMPTY_WEEK) == [moved]
    assert await listed(api, {"recurringSessionId": series_id}, EMPTY_WEEK) == [moved]
    assert await listed(api, {"scheduleIds": ["other", "week-view"]}, EMPTY_WEEK) == [moved]
    assert await listed(api, {}, EMPTY_WEEK) == [moved]
    # Its own week no longer has it; a filter that does not match it leaves it out.
    own_week = window(datetime(2027, 2, 8, tzinfo=UTC), datetime(2027, 2, 15, tzinfo=UTC))
    assert moved not in await listed(api, {"scheduleId": "week-view"}, own_week)
    assert await listed(api, {"scheduleId": "elsewhere"}, EMPTY_WEEK) == []
    assert await listed(api, {"scheduleId": "week-view", "tags": ["NOPE"]}, EMPTY_WEEK) == []


async def test_an_occurrence_moved_before_the_series_start_is_listed_in_its_new_week(api: Api) -> None:
    series_id, moved = await moved_series(api, date(2026, 12, 1))
    december = window(datetime(2026, 11, 30, tzinfo=UTC), datetime(2026, 12, 7, tzinfo=UTC))
    assert await listed(api, {"scheduleId": "week-view"}, december) == [moved]
    assert await listed(api, {"recurringSessionId": series_id}, december) == [moved]


async def test_moved_occurrences_page_in_order_with_other_sessions(api: Api) -> None:
    _, moved = await moved_series(api, date(2027, 3, 30))
    before = await api.create_single(
        scheduleId="week-view",
        start={"timestamp": "2027-03-29T09:00:00Z"},
        end={"timestamp": "2027-03-29T10:00:00Z"},
    )
    after = await api.create_single(
        scheduleId="week-view",
        start={"timestamp": "2027-03-31T09:00:00Z"},
        end={"timestamp": "2027-03-31T10:00:00Z"},
    )
    seen: list[str] = []
    cursor: str | None = None
    while True:
        variables = {
            "filter": {"scheduleId": "week-view"},
            "window": EMPTY_WEEK,
            "expand": True,
            "first": 1,
            "after": cursor,
        }
        page = (await api.data(SESSIONS, variables))["sessions"]
        seen += [edge["node"]["_id"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        cursor = page["pageInfo"]["endCursor"]
    assert seen == [before["_id"], moved, after["_id"]]


async def test_a_federation_lookup_of_a_moved_occurrence_shows_its_new_time(api: Api) -> None:
    _, moved = await moved_series(api, date(2027, 3, 30))
    found = await api.data(
        entities_query("_id start { timestamp }"),
        {"representations": [{"__typename": "Session", "_id": moved}]},
    )
    [entity] = found["_entities"]
    assert entity["_id"] == moved
    assert entity["start"]["timestamp"].startswith("2027-03-30T08:00:00")
