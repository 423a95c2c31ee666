"""`sessions(...)`: windows, instance expansion, filters and cursor paging."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bookings_sessions.domain.recurrence import instance_id
from tests.support.api import Api
from tests.support.graphql import CREATE, SERIES_ZONE, SESSIONS, UPDATE, wall_time, window


async def all_pages(api: Api, variables: dict[str, Any], first: int) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []
    after = None
    for _ in range(1000):  # bounded: a bug must not loop forever
        page = (await api.data(SESSIONS, {**variables, "first": first, "after": after}))["sessions"]
        nodes += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]
    raise AssertionError("paging did not end")


def expected_mondays_and_thursdays(first: date, start: datetime, end: datetime) -> list[datetime]:
    zone = ZoneInfo(SERIES_ZONE)
    found = []
    day = first
    while True:
        instant = datetime(day.year, day.month, day.day, 10, tzinfo=zone).astimezone(UTC)
        if instant >= end:
            return found
        if day.weekday() in (0, 3) and instant >= start:
            found.append(instant)
        day += timedelta(days=1)


async def test_paging_five_years_of_an_unbounded_series(api: Api) -> None:
    series = await api.create_series(rule="FREQ=WEEKLY;BYDAY=MO,TH", first=date(2030, 1, 7))
    start = datetime(2030, 1, 1, tzinfo=UTC)
    seen: list[dict[str, Any]] = []
    for year in range(5):
        lower = start.replace(year=2030 + year)
        upper = start.replace(year=2031 + year)
        seen += await all_pages(api, {"window": window(lower, upper), "expand": True}, first=37)
    ids = [node["_id"] for node in seen]
    assert len(ids) == len(set(ids)), "an instance was listed twice"
    instants = [datetime.fromisoformat(node["start"]["timestamp"]) for node in seen]
    assert instants == expected_mondays_and_thursdays(date(2030, 1, 7), start, start.replace(year=2035))
    assert all(node["recurringSessionId"] == series["_id"] for node in seen)


async def test_singles_and_instances_interleave_by_start_then_id(api: Api) -> None:
    await api.create_series(rule="FREQ=WEEKLY;BYDAY=MO", first=date(2030, 1, 7))
    for day in (8, 14):  # a Tuesday, and the same instant as an instance
        info = {
            "scheduleId": "schedule-1",
            "start": wall_time(date(2030, 1, day), 10, zone=SERIES_ZONE),
            "end": wall_time(date(2030, 1, day), 11, zone=SERIES_ZONE),
        }
        await api.data(CREATE, {"info": info})
    nodes = await all_pages(
        api,
        {
            "window": window(datetime(2030, 1, 1, tzinfo=UTC), datetime(2030, 1, 22, tzinfo=UTC)),
            "expand": True,
        },
        first=2,
    )
    keys = [(node["start"]["timestamp"], node["_id"]) for node in nodes]
    assert keys == sorted(keys)
    assert len(nodes) == 5  # instances on 7, 14, 21 + singles on 8, 14


async def test_paging_stays_correct_while_documents_change(api: Api) -> None:
    for day in range(1, 11):
        info = {
            "scheduleId": "s",
            "start": wall_time(date(2030, 3, day), 9, zone=SERIES_ZONE),
            "end": wall_time(date(2030, 3, day), 10, zone=SERIES_ZONE),
        }
        await api.data(CREATE, {"info": info})
    variables = {
        "window": window(datetime(2030, 3, 1, tzinfo=UTC), datetime(2030, 4, 1, tzinfo=UTC)),
        "expand": True,
        "first": 4,
    }
    first_page = (await api.data(SESSIONS, {**variables, "after": None}))["sessions"]
    # Meanwhile: a session is added before the cursor and another after it.
    for day in (2, 20):
        info = {
            "scheduleId": "s",
            "start": wall_time(date(2030, 3, day), 8, zone=SERIES_ZONE),
            "end": wall_time(date(2030, 3, day), 9, zone=SERIES_ZONE),
        }
        await api.data(CREATE, {"info": info})
    rest = []
    after = first_page["pageInfo"]["endCursor"]
    while after:
        page = (await api.data(SESSIONS, {**variables, "after": after}))["sessions"]
        rest += [edge["node"] for edge in page["edges"]]
        after = page["pageInfo"]["endCursor"] if page["pageInfo"]["hasNextPage"] else None
    first_ids = {edge["node"]["_id"] for edge in first_page["edges"]}
    assert not first_ids & {node["_id"] for node in rest}
    assert len(rest) == 10 - 4 + 1  # the remaining six, plus the one added after the cursor


async def test_filters_apply_to_singles_and_instances(api: Api) -> None:
    series = await api.create_series(rule="FREQ=WEEKLY;BYDAY=MO", first=date(2030, 1, 7))
    await api.data(UPDATE, {"id": instance_id(series["_id"], date(2030, 1, 14)), "info": {"tags": ["VIP"]}})
    await api.data(
        CREATE,
        {
            "info": {
                "scheduleId": "schedule-1",
                "tags": ["VIP"],
                "type": "WORKING_HOURS",
                "start": wall_time(date(2030, 1, 9), 10, zone=SERIES_ZONE),
                "end": wall_time(date(2030, 1, 9), 11, zone=SERIES_ZONE),
            }
        },
    )
    await api.data(
        CREATE,
        {
            "info": {
                "scheduleId": "other",
                "tags": ["VIP"],
                "start": wall_time(date(2030, 1, 9), 12, zone=SERIES_ZONE),
                "end": wall_time(date(2030, 1, 9), 13, zone=SERIES_ZONE),
            }
        },
    )
    span = window(datetime(2030, 1, 1, tzinfo=UTC), datetime(2030, 2, 1, tzinfo=UTC))

    async def ids(filter_: dict[str, Any]) -> int:
        return len(await all_pages(api, {"window": span, "expand": True, "filter": filter_}, first=50))

    assert await ids({"tags": ["VIP"]}) == 3
    assert await ids({"tags": ["VIP"], "scheduleId": "schedule-1"}) == 2
    assert await ids({"type": "WORKING_HOURS"}) == 1
    assert await ids({"scheduleId": "schedule-1"}) == 5  # four Mondays + one single
    assert await ids({"status": "CANCELLED"}) == 0


async def test_listing_without_expansion_returns_series_themselves(api: Api) -> None:
    series = await api.create_series()
    nodes = await all_pages(api, {"expand": False}, first=10)
    assert [node["_id"] for node in nodes] == [series["_id"]]


async def test_window_and_paging_limits(api: Api) -> None:
    long = window(datetime(2030, 1, 1, tzinfo=UTC), datetime(2031, 1, 3, tzinfo=UTC))
    cases: list[tuple[dict[str, Any], str]] = [
        ({"window": long, "expand": True}, "window"),
        ({"expand": True}, "window"),
        ({"expand": False, "first": 501}, "first"),
        ({"expand": False, "first": 0}, "first"),
        ({"expand": False, "after": "not-a-cursor"}, "after"),
        (
            {
                "window": window(datetime(2030, 2, 1, tzinfo=UTC), datetime(2030, 1, 1, tzinfo=UTC)),
                "expand": True,
            },
            "window.to",
        ),
    ]
    for variables, field in cases:
        error = await api.error(SESSIONS, variables)
        assert error["extensions"]["code"] == "BAD_USER_INPUT", (variables, error)
        assert error["extensions"]["field"] == field, (variables, error)
