"""Sessions whose wall-clock start falls in a spring-forward gap (issue 21, item 4).

The rule (docs/api.md "Time", docs/recurring.md): a start that does not exist moves forward by the gap,
and a session keeps its exact duration; the API shows the wall time that actually happens.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from bookings_sessions.domain.recurrence import instance_id
from tests.support.api import Api
from tests.support.graphql import (
    CALENDAR_FIELDS,
    sessions_query,
    wall_time,
    weekly_series_info,
    window,
)

NEW_YORK = "America/New_York"
LONDON = "Europe/London"
TIMES = "_id start { timestamp localDateTime { dayOfMonth hourOfDay minutesOfHour } } end { timestamp }"


def instant(value: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(value["timestamp"].replace("Z", "+00:00"))


def hour_minute(value: dict[str, Any]) -> tuple[int, int]:
    wall = value["localDateTime"]
    return wall["hourOfDay"], wall["minutesOfHour"]


async def listed(api: Api, start: datetime, end: datetime, node: str = TIMES) -> list[dict[str, Any]]:
    page = await api.data(sessions_query(node), {"window": window(start, end), "expand": True})
    return [edge["node"] for edge in page["sessions"]["edges"]]


async def daily_from(api: Api, first: date, hours: tuple[int, int], minute: int, zone: str) -> dict[str, Any]:
    info = weekly_series_info(rule="FREQ=DAILY;COUNT=3", first=first, zone=zone)
    info["start"] = wall_time(first, hours[0], minute, zone=zone)
    info["end"] = wall_time(first, hours[1], minute, zone=zone)
    created: dict[str, Any] = await api.create_series(**info)
    return created


async def test_an_occurrence_starting_in_the_gap_keeps_its_hour_in_new_york(api: Api) -> None:
    series = await daily_from(api, date(2027, 3, 13), (2, 3), 30, NEW_YORK)
    found = await listed(api, datetime(2027, 3, 13, tzinfo=UTC), datetime(2027, 3, 17, tzinfo=UTC))
    assert [row["_id"] for row in found] == [
        instance_id(series["_id"], date(2027, 3, day)) for day in (13, 14, 15)
    ]
    assert [instant(row["end"]) - instant(row["start"]) for row in found] == [timedelta(hours=1)] * 3
    gap_day = found[1]
    assert gap_day["start"]["timestamp"].startswith("2027-03-14T07:30:00")  # 02:30 EST = 03:30 EDT
    assert hour_minute(gap_day["start"]) == (3, 30)  # the wall time that happens
    assert gap_day["end"]["timestamp"].startswith("2027-03-14T08:30:00")  # 04:30 EDT
    # session(id) answers the same, originalStart included.
    alone = await api.session(
        gap_day["_id"], query=f"query Get($id: ID!) {{ session(id: $id) {{ {TIMES} {CALENDAR_FIELDS} }} }}"
    )
    assert alone["start"] == gap_day["start"] and alone["end"] == gap_day["end"]
    assert alone["originalStart"]["timestamp"] == gap_day["start"]["timestamp"]
    assert alone["originalStart"]["localDateTime"]["hourOfDay"] == 3


async def test_an_occurrence_starting_in_the_gap_keeps_its_hour_in_london(api: Api) -> None:
    # London springs forward at 01:00 GMT on 28 March 2027: 01:30 does not exist that day.
    await daily_from(api, date(2027, 3, 27), (1, 2), 30, LONDON)
    found = await listed(api, datetime(2027, 3, 27, tzinfo=UTC), datetime(2027, 3, 30, tzinfo=UTC))
    assert [instant(row["end"]) - instant(row["start"]) for row in found] == [timedelta(hours=1)] * 3
    assert found[1]["start"]["timestamp"].startswith("2027-03-28T01:30:00")  # 02:30 BST
    assert hour_minute(found[1]["start"]) == (2, 30)
    assert found[1]["end"]["timestamp"].startswith("2027-03-28T02:30:00")


async def test_an_occurrence_across_the_change_keeps_its_exact_duration(api: Api) -> None:
    """01:30-03:30 on a normal day is two hours; on the change day it still lasts two hours."""
    await daily_from(api, date(2027, 3, 13), (1, 3), 30, NEW_YORK)
    found = await listed(api, datetime(2027, 3, 13, tzinfo=UTC), datetime(2027, 3, 17, tzinfo=UTC))
    assert [instant(row["end"]) - instant(row["start"]) for row in found] == [timedelta(hours=2)] * 3


async def test_a_single_session_starting_in_the_gap_moves_forward_keeping_its_length(api: Api) -> None:
    created = await api.create_single(
        start=wall_time(date(2027, 3, 14), 2, 30, zone=NEW_YORK),
        end=wall_time(date(2027, 3, 14), 3, 30, zone=NEW_YORK),
    )
    assert created["start"]["timestamp"].startswith("2027-03-14T07:30:00")
    assert hour_minute(created["start"]) == (3, 30)
    assert created["end"]["timestamp"].startswith("2027-03-14T08:30:00")
    assert hour_minute(created["end"]) == (4, 30)
    # An update to a gap start keeps the stored end when it is still after it.
    updated = await api.update(created["_id"], {"start": wall_time(date(2027, 3, 14), 2, 0, zone=NEW_YORK)})
    assert hour_minute(updated["start"]) == (3, 0) and hour_minute(updated["end"]) == (4, 30)


async def test_an_instance_moved_into_the_gap_shows_the_wall_time_that_happens(api: Api) -> None:
    series = await daily_from(api, date(2027, 3, 13), (9, 10), 0, NEW_YORK)
    moved = instance_id(series["_id"], date(2027, 3, 14))
    updated = await api.update(
        moved,
        {
            "start": wall_time(date(2027, 3, 14), 2, 30, zone=NEW_YORK),
            "end": wall_time(date(2027, 3, 14), 3, 30, zone=NEW_YORK),
        },
    )
    assert hour_minute(updated["start"]) == (3, 30)
    assert instant(updated["end"]) - instant(updated["start"]) == timedelta(hours=1)


async def test_the_time_section_of_api_md_shows_what_the_api_answers(api: Api) -> None:
    """docs/api.md "Time": 02:30 on 2026-03-08 in New York is 07:30 UTC shown as 03:30; 01:30 on
    2026-11-01 means the first one (05:30 UTC) and shows as 01:30."""
    gap = await api.create_single(
        start=wall_time(date(2026, 3, 8), 2, 30, zone=NEW_YORK),
        end=wall_time(date(2026, 3, 8), 5, 0, zone=NEW_YORK),
    )
    assert gap["start"]["timestamp"].startswith("2026-03-08T07:30:00")
    assert hour_minute(gap["start"]) == (3, 30)
    assert gap["end"]["timestamp"].startswith("2026-03-08T10:00:00")  # the whole session moved: 06:00 EDT
    twice = await api.create_single(
        start=wall_time(date(2026, 11, 1), 1, 30, zone=NEW_YORK),
        end=wall_time(date(2026, 11, 1), 3, 0, zone=NEW_YORK),
    )
    assert twice["start"]["timestamp"].startswith("2026-11-01T05:30:00")
    assert hour_minute(twice["start"]) == (1, 30)


async def test_a_series_first_start_in_the_gap_keeps_its_time_of_day_for_the_others(api: Api) -> None:
    series = await daily_from(api, date(2027, 3, 14), (2, 3), 30, NEW_YORK)
    assert series["start"]["timestamp"].startswith("2027-03-14T07:30:00")  # 03:30 EDT
    assert hour_minute(series["start"]) == (3, 30)
    assert series["end"]["timestamp"].startswith("2027-03-14T08:30:00")  # an hour, as given
    found = await listed(api, datetime(2027, 3, 14, tzinfo=UTC), datetime(2027, 3, 17, tzinfo=UTC))
    assert [hour_minute(row["start"]) for row in found] == [(3, 30), (2, 30), (2, 30)]
    assert [instant(row["end"]) - instant(row["start"]) for row in found] == [timedelta(hours=1)] * 3
