"""EXDATE and RDATE lines in `recurrence` through the API: stored canonical, honoured by listings,
instance ids, COUNT, and splits (issue 24, item 3)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from bookings_sessions.domain.recurrence import instance_id
from tests.support.api import Api
from tests.support.graphql import (
    CREATE,
    DELETE,
    GET,
    SESSIONS,
    UPDATE,
    wall_time,
    weekly_series_info,
    window,
)

ZONE = "America/New_York"
RULE = (
    "RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=4\n"
    "EXDATE;TZID=America/New_York:20300114T100000\n"
    "RDATE:20300116T200000Z"  # 15:00 in New York, a Wednesday
)
CANONICAL = (
    "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=MO;COUNT=4\n"
    "EXDATE;TZID=America/New_York:20300114T100000\n"
    "RDATE;TZID=America/New_York:20300116T150000"
)
JANUARY = window(datetime(2030, 1, 1, tzinfo=UTC), datetime(2030, 3, 1, tzinfo=UTC))


async def listed(api: Api) -> list[tuple[str, str]]:
    page = await api.data(SESSIONS, {"window": JANUARY, "expand": True, "first": 50})
    return [(edge["node"]["_id"], edge["node"]["start"]["timestamp"]) for edge in page["sessions"]["edges"]]


async def test_exdate_and_rdate_lines_are_accepted_canonical_and_expanded(api: Api) -> None:
    series = await api.create_series(rule=RULE)
    assert series["recurrence"] == CANONICAL
    sid = series["_id"]
    # COUNT=4 makes 7, 14, 21, 28 January; the EXDATE takes out the 14th; the RDATE adds the 16th.
    assert await listed(api) == [
        (instance_id(sid, date(2030, 1, 7)), "2030-01-07T15:00:00+00:00"),
        (instance_id(sid, date(2030, 1, 16)), "2030-01-16T20:00:00+00:00"),
        (instance_id(sid, date(2030, 1, 21)), "2030-01-21T15:00:00+00:00"),
        (instance_id(sid, date(2030, 1, 28)), "2030-01-28T15:00:00+00:00"),
    ]
    added = await api.session(instance_id(sid, date(2030, 1, 16)))
    assert added["start"]["localDateTime"]["hourOfDay"] == 15
    assert added["end"]["localDateTime"]["hourOfDay"] == 16  # the series' duration
    assert added["instanceOfRecurrence"] == CANONICAL
    error = await api.error(GET, {"id": instance_id(sid, date(2030, 1, 14))})
    assert error["extensions"]["code"] == "NOT_FOUND"


async def test_the_plain_rule_is_returned_as_before(api: Api) -> None:
    series = await api.create_series(rule="RRULE:FREQ=WEEKLY;BYDAY=MO")
    assert series["recurrence"] == "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO"


async def test_an_rdate_instance_can_be_edited_and_cancelled(api: Api) -> None:
    sid = (await api.create_series(rule=RULE))["_id"]
    iid = instance_id(sid, date(2030, 1, 16))
    edited = await api.update(iid, {"tags": ["MAKE-UP"]})
    assert edited["tags"] == ["MAKE-UP"] and edited["_id"] == iid
    cancelled = (await api.data(DELETE, {"id": iid}))["deleteSession"]
    assert cancelled["status"] == "CANCELLED"


async def test_bad_lines_are_bad_user_input_naming_the_field(api: Api) -> None:
    for rule, named in [
        ("FREQ=WEEKLY;BYDAY=MO\nRDATE;TZID=America/New_York:20300114T090000", "one occurrence"),
        ("FREQ=WEEKLY;BYDAY=MO\nEXDATE;TZID=America/New_York:20300107T100000", "first occurrence"),
        ("FREQ=WEEKLY;BYDAY=MO\nRDATE;VALUE=PERIOD:20300115T090000/PT1H", "VALUE=PERIOD"),
    ]:
        error = await api.error(CREATE, {"info": weekly_series_info(rule=rule)})
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert error["extensions"]["field"] == "sessionInfo.recurrence"
        assert named in error["message"]


async def test_a_split_carries_the_later_lines_to_the_new_series(api: Api) -> None:
    rule = (
        "FREQ=WEEKLY;BYDAY=MO\n"
        "EXDATE;TZID=America/New_York:20300114T100000,20300204T100000\n"
        "RDATE;TZID=America/New_York:20300109T120000,20300206T120000"
    )
    sid = (await api.create_series(rule=rule))["_id"]
    split_day = date(2030, 1, 21)
    info = {"start": wall_time(split_day, 9, zone=ZONE), "end": wall_time(split_day, 10, zone=ZONE)}
    options: dict[str, Any] = {"scope": "THIS_AND_FOLLOWING"}
    body = await api.data(UPDATE, {"id": instance_id(sid, split_day), "info": info, "options": options})
    new_id = body["updateSession"]["recurringSessionId"]
    assert new_id != sid
    original = await api.session(sid)
    assert "EXDATE;TZID=America/New_York:20300114T100000\n" in original["recurrence"]
    assert "RDATE;TZID=America/New_York:20300109T120000" in original["recurrence"]
    assert "20300204" not in original["recurrence"] and "20300206" not in original["recurrence"]
    tail = await api.session(new_id)
    assert tail["recurrence"].endswith(
        "EXDATE;TZID=America/New_York:20300204T090000\nRDATE;TZID=America/New_York:20300206T120000"
    )
    starts = [start for _, start in await listed(api)]
    assert starts[:6] == [
        "2030-01-07T15:00:00+00:00",
        "2030-01-09T17:00:00+00:00",
        "2030-01-21T14:00:00+00:00",
        "2030-01-28T14:00:00+00:00",
        "2030-02-06T17:00:00+00:00",
        "2030-02-11T14:00:00+00:00",
    ]
