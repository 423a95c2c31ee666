"""`sessions` as a calendar: windows select what overlaps them; filters by schedules, series, tags, kind."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from bookings_sessions.domain.recurrence import instance_id
from tests.support.api import Api
from tests.support.graphql import CREATE, UPDATE, sessions_query, wall_time, window

LIST = sessions_query("_id title recurrenceType recurringSessionId")
NEW_YORK = "America/New_York"


async def titles(api: Api, first: int = 50, **variables: Any) -> list[str]:
    """Every page's titles, in order."""
    found: list[str] = []
    after = None
    for _ in range(100):
        page = (await api.data(LIST, {"expand": True, **variables, "first": first, "after": after}))[
            "sessions"
        ]
        found += [edge["node"]["title"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return found
        after = page["pageInfo"]["endCursor"]
    raise AssertionError("paging did not end")


async def create(api: Api, title: str, start: dict[str, object], end: dict[str, object], **extra: Any) -> str:
    info = {"scheduleId": "room-1", "title": title, "start": start, "end": end, **extra}
    created: str = (await api.data(CREATE, {"info": info}))["createSession"]["_id"]
    return created


def utc(day: int, hour: int) -> dict[str, object]:
    return wall_time(date(2030, 1, day), hour, zone="UTC")


@pytest.mark.parametrize("expand", [True, False])
async def test_a_day_shows_what_overlaps_it_at_both_edges(api: Api, expand: bool) -> None:
    await create(api, "ends as the day starts", utc(7, 22), utc(8, 0))
    await create(api, "from last night", utc(7, 23), {"timestamp": "2030-01-08T01:00:00Z"})
    await create(api, "midday", utc(8, 12), utc(8, 13))
    await create(api, "into the night", utc(8, 23), {"timestamp": "2030-01-09T01:00:00Z"})
    await create(api, "starts as the day ends", utc(9, 0), utc(9, 1))
    day = window(datetime(2030, 1, 8, tzinfo=UTC), datetime(2030, 1, 9, tzinfo=UTC))
    assert await titles(api, window=day, expand=expand) == ["from last night", "midday", "into the night"]
    assert await titles(api, first=1, window=day, expand=expand) == [
        "from last night",
        "midday",
        "into the night",
    ]


async def test_instances_overlap_too_and_a_late_class_shows_on_the_next_day(api: Api) -> None:
    series = await create(
        api,
        "late class",
        wall_time(date(2030, 1, 7), 23, zone="UTC"),
        wall_time(date(2030, 1, 8), 1, zone="UTC"),
        recurrence="FREQ=WEEKLY;BYDAY=MO",
    )
    tuesday = window(datetime(2030, 1, 15, tzinfo=UTC), datetime(2030, 1, 16, tzinfo=UTC))
    assert await titles(api, window=tuesday) == ["late class"]  # Monday 14th 23:00 to Tuesday 01:00
    # Moved (FIXED) from Monday 21st to end exactly at Tuesday 15th's start: outside; a minute later: in.
    moved = instance_id(series, date(2030, 1, 21))
    await api.data(
        UPDATE, {"id": moved, "info": {"title": "moved", "start": utc(14, 20), "end": utc(14, 23)}}
    )
    assert await titles(api, window=tuesday) == ["late class"]
    later = {"start": utc(14, 21), "end": {"timestamp": "2030-01-15T00:01:00Z"}}
    await api.data(UPDATE, {"id": moved, "info": later})
    assert await titles(api, window=tuesday) == ["moved", "late class"]


async def test_a_dst_day_in_new_york(api: Api) -> None:
    # 2030-03-10: clocks go from 02:00 EST to 03:00 EDT; the local day lasts 23 hours.
    await create(
        api,
        "saturday late",
        wall_time(date(2030, 3, 2), 23, zone=NEW_YORK),
        wall_time(date(2030, 3, 3), 1, zone=NEW_YORK),
        recurrence="FREQ=WEEKLY;BYDAY=SA",
    )
    await create(
        api,
        "sunday night",
        wall_time(date(2030, 3, 10), 22, zone=NEW_YORK),
        wall_time(date(2030, 3, 10), 23, zone=NEW_YORK),
    )
    await create(
        api,
        "monday",
        wall_time(date(2030, 3, 11), 0, zone=NEW_YORK),
        wall_time(date(2030, 3, 11), 1, zone=NEW_YORK),
    )
    sunday = window(datetime(2030, 3, 10, 5, tzinfo=UTC), datetime(2030, 3, 11, 4, tzinfo=UTC))
    assert await titles(api, window=sunday) == ["saturday late", "sunday night"]
    assert await titles(api, first=1, window=sunday) == ["saturday late", "sunday night"]


async def filtered_world(api: Api) -> str:
    """Two schedules' singles, two series on room-1, and an edited (EXCEPTION) instance."""
    await create(api, "room-1 single", utc(8, 9), utc(8, 10), tags=["yoga"])
    await create(api, "room-2 single", utc(8, 10), utc(8, 11), scheduleId="room-2", tags=["pilates"])
    await create(api, "room-3 single", utc(8, 11), utc(8, 12), scheduleId="room-3", tags=["yoga", "pilates"])
    series = await create(
        api, "weekly", utc(7, 8), utc(7, 9), recurrence="FREQ=WEEKLY;BYDAY=MO,WE", tags=["a"]
    )
    await create(api, "other series", utc(7, 7), utc(7, 8), recurrence="FREQ=WEEKLY;BYDAY=TU", tags=["b"])
    await api.data(
        UPDATE, {"id": instance_id(series, date(2030, 1, 9)), "info": {"title": "edited", "tags": ["yoga"]}}
    )
    return series


WEEK = window(datetime(2030, 1, 7, tzinfo=UTC), datetime(2030, 1, 14, tzinfo=UTC))


@pytest.mark.parametrize("first", [1, 50])
async def test_each_filter_alone_and_with_paging(api: Api, first: int) -> None:
    series = await filtered_world(api)

    async def listed(filter_: dict[str, Any], expand: bool = True) -> list[str]:
        return await titles(api, first=first, window=WEEK, expand=expand, filter=filter_)

    assert await listed({"scheduleIds": ["room-1", "room-2"]}) == [
        "weekly",
        "other series",
        "room-1 single",
        "room-2 single",
        "edited",
    ]
    schedules = await listed({"scheduleIds": ["room-2", "room-3"]})
    assert schedules == ["room-2 single", "room-3 single"]
    assert await listed({"recurringSessionId": series}) == ["weekly", "edited"]
    assert await listed({"tagsAny": ["pilates", "b"]}) == ["other series", "room-2 single", "room-3 single"]
    assert await listed({"tagsAny": ["yoga"], "tags": ["pilates"]}) == ["room-3 single"]
    assert await listed({"recurrenceTypes": ["EXCEPTION"]}) == ["edited"]
    assert await listed({"recurrenceTypes": ["INSTANCE"]}) == ["weekly", "other series"]
    assert await listed({"recurrenceTypes": ["NONE"]}) == ["room-1 single", "room-2 single", "room-3 single"]
    # "other series" was given a Monday start with BYDAY=TU: it starts on its first Tuesday.
    assert await listed({"recurrenceTypes": ["MASTER"]}, expand=False) == ["weekly", "other series"]
    assert await listed({"recurrenceTypes": ["NONE", "EXCEPTION"], "scheduleIds": ["room-1"]}) == [
        "room-1 single",
        "edited",
    ]


async def test_recurring_session_id_needs_expansion(api: Api) -> None:
    error = await api.error(LIST, {"expand": False, "filter": {"recurringSessionId": "abc"}})
    assert (error["extensions"]["code"], error["extensions"]["field"]) == (
        "BAD_USER_INPUT",
        "filter.recurringSessionId",
    )
