"""A series' rule and start as clients paste them: iCalendar lines, a start off its rule (issue 21)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bookings_sessions.domain.recurrence import instance_id
from tests.support.api import Api
from tests.support.graphql import CREATE, SESSIONS, wall_time, weekly_series_info, window

WEDNESDAY = date(2030, 1, 9)
NEXT_MONDAY = date(2030, 1, 14)


async def test_other_pasted_lines_are_refused_as_lines(api: Api) -> None:
    info = weekly_series_info(rule="DTSTART:20300107T100000\nRRULE:FREQ=WEEKLY;BYDAY=MO")
    error = await api.error(CREATE, {"info": info})
    assert error["extensions"]["field"] == "sessionInfo.recurrence"
    assert "without DTSTART" in error["message"]


async def test_a_start_off_its_rule_is_moved_to_the_first_occurrence(api: Api) -> None:
    """A Wednesday start with BYDAY=MO: the series starts (and is listed) on the following Monday."""
    series = await api.create_series(first=WEDNESDAY, rule="FREQ=WEEKLY;BYDAY=MO;COUNT=2")
    assert series["start"]["localDateTime"]["dayOfMonth"] == 14
    assert series["end"]["localDateTime"] == {**series["start"]["localDateTime"], "hourOfDay": 11}
    stored = await api.session(series["_id"])
    assert stored["start"] == series["start"]
    # The series as itself and its instances agree: the first one is its start.
    january = window(datetime(2030, 1, 1, tzinfo=UTC), datetime(2030, 2, 1, tzinfo=UTC))
    page = await api.data(SESSIONS, {"window": january, "expand": False})
    assert [edge["node"]["start"] for edge in page["sessions"]["edges"]] == [
        {"timestamp": series["start"]["timestamp"]}
    ]
    page = await api.data(SESSIONS, {"window": january, "expand": True})
    assert [edge["node"]["_id"] for edge in page["sessions"]["edges"]] == [
        instance_id(series["_id"], NEXT_MONDAY),
        instance_id(series["_id"], date(2030, 1, 21)),  # COUNT=2 counts from the first occurrence
    ]


async def test_a_series_update_to_a_start_off_its_rule_moves_it_to_the_next_occurrence(api: Api) -> None:
    series = await api.create_series(first=date(2030, 1, 7))
    updated = await api.update(series["_id"], {"start": wall_time(WEDNESDAY, 9, zone="America/New_York")})
    assert updated["start"]["localDateTime"]["dayOfMonth"] == 14
    assert updated["start"]["localDateTime"]["hourOfDay"] == 9
