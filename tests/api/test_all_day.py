"""All-day sessions through the real app and FerretDB: whole local days in London and New York, on the
Sundays their clocks change (23- and 25-hour days), single, multi-day and recurring, listed whole and
blocking whole days in `availability`."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from bookings_sessions.domain.recurrence import instance_id
from tests.api.test_availability import availability, normalised, span
from tests.support.api import Api
from tests.support.graphql import create_mutation, session_query, sessions_query, update_mutation, wall_time

LONDON, NEW_YORK = "Europe/London", "America/New_York"
TIMES = "timestamp timeZone localDateTime { year monthOfYear dayOfMonth hourOfDay minutesOfHour }"
FIELDS = f"_id allDay scheduleId recurrenceType start {{ {TIMES} }} end {{ {TIMES} }}"
CREATE = create_mutation(FIELDS)
UPDATE = update_mutation(FIELDS)
GET = session_query(FIELDS)
LIST = sessions_query(FIELDS)

# The clock changes of 2030: London 31 March (23 h) and 27 October (25 h); New York 10 March (23 h) and
# 3 November (25 h).
DST_SUNDAYS = [
    (LONDON, date(2030, 3, 31), 23),
    (LONDON, date(2030, 10, 27), 25),
    (NEW_YORK, date(2030, 3, 10), 23),
    (NEW_YORK, date(2030, 11, 3), 25),
]


def midnight(day: date, zone: str) -> dict[str, object]:
    return wall_time(day, 0, zone=zone)


def all_day(first: date, days: int, zone: str, **extra: Any) -> dict[str, Any]:
    """Whole days from `first`, the end the day after the last (exclusive, as iCalendar's DTEND)."""
    return {
        "scheduleId": "studio",
        "allDay": True,
        "start": midnight(first, zone),
        "end": midnight(first + timedelta(days=days), zone),
        **extra,
    }


def instant(value: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(value["timestamp"])


def hours(session: dict[str, Any]) -> float:
    return (instant(session["end"]) - instant(session["start"])).total_seconds() / 3600


def local_day(value: dict[str, Any]) -> tuple[date, int, int]:
    """The local date a time shows, and its hour and minute (midnight: 0, 0)."""
    wall = value["localDateTime"]
    day = date(wall["year"], wall["monthOfYear"], wall["dayOfMonth"])
    return day, wall["hourOfDay"], wall["minutesOfHour"]


async def create(api: Api, info: dict[str, Any]) -> dict[str, Any]:
    created: dict[str, Any] = (await api.data(CREATE, {"info": info}))["createSession"]
    return created


async def listed(api: Api, start: datetime, end: datetime, **filter: Any) -> list[dict[str, Any]]:
    window = {"from": start.isoformat(), "to": end.isoformat()}
    found = await api.data(LIST, {"expand": True, "window": window, "filter": filter or None, "first": 100})
    return [edge["node"] for edge in found["sessions"]["edges"]]


@pytest.mark.parametrize(("zone", "sunday", "length"), DST_SUNDAYS)
async def test_a_dst_sunday_is_one_whole_day_listed_whole(
    api: Api, zone: str, sunday: date, length: int
) -> None:
    created = await create(api, all_day(sunday, 1, zone))

    assert created["allDay"] is True and hours(created) == length
    assert local_day(created["start"]) == (sunday, 0, 0)
    assert local_day(created["end"]) == (sunday + timedelta(days=1), 0, 0)
    assert created["start"]["timeZone"] == created["end"]["timeZone"] == zone
    # A window overlapping one hour of the day by its instants lists the whole day.
    noon = datetime.combine(sunday, datetime.min.time(), UTC) + timedelta(hours=15)
    [found] = await listed(api, noon, noon + timedelta(hours=1))
    assert found == created == await api.session(created["_id"], GET)


async def test_a_multi_day_course_across_a_clock_change_keeps_its_local_midnights(api: Api) -> None:
    course = await create(api, all_day(date(2030, 3, 29), 4, LONDON))  # Fri-Mon, spring forward on Sun

    assert hours(course) == 4 * 24 - 1
    assert local_day(course["end"]) == (date(2030, 4, 2), 0, 0)
    closure = await create(api, all_day(date(2030, 1, 1), 366, NEW_YORK))
    assert local_day(closure["end"]) == (date(2031, 1, 2), 0, 0)


@pytest.mark.parametrize(
    ("info", "field"),
    [
        ({"start": wall_time(date(2030, 3, 31), 9, zone=LONDON)}, "sessionInfo.start"),
        ({"end": wall_time(date(2030, 4, 1), 0, 30, zone=LONDON)}, "sessionInfo.end"),
        ({"end": midnight(date(2030, 4, 1), NEW_YORK)}, "sessionInfo.end.timeZone"),
        ({"end": midnight(date(2031, 4, 2), LONDON)}, "sessionInfo.end"),
        ({"end": midnight(date(2030, 3, 31), LONDON)}, "sessionInfo.end"),
        ({"allDay": None}, "sessionInfo.allDay"),
    ],
    ids=["start-not-midnight", "end-not-midnight", "two-zones", "over-366-days", "no-day", "null"],
)
async def test_times_that_are_not_whole_days_are_refused(api: Api, info: dict[str, Any], field: str) -> None:
    error = await api.error(CREATE, {"info": {**all_day(date(2030, 3, 31), 1, LONDON), **info}})

    assert (error["extensions"]["code"], error["extensions"]["field"]) == ("BAD_USER_INPUT", field)
    assert await listed(api, datetime(2030, 1, 1, tzinfo=UTC), datetime(2030, 12, 31, tzinfo=UTC)) == []


async def test_an_update_turns_a_timed_session_all_day_only_with_whole_days(api: Api) -> None:
    day = date(2030, 11, 3)
    timed = await create(
        api,
        {
            "scheduleId": "studio",
            "start": wall_time(day, 9, zone=NEW_YORK),
            "end": wall_time(day, 10, zone=NEW_YORK),
        },
    )
    assert timed["allDay"] is False

    error = await api.error(UPDATE, {"id": timed["_id"], "info": {"allDay": True}})
    assert error["extensions"]["field"] == "sessionInfo.start"
    assert await api.session(timed["_id"], GET) == timed
    whole = all_day(day, 1, NEW_YORK)
    del whole["scheduleId"]
    updated = (await api.data(UPDATE, {"id": timed["_id"], "info": whole}))["updateSession"]
    assert updated["allDay"] is True and hours(updated) == 25
    # While all-day, a time that is not midnight is refused; back to timed, any time goes.
    moved = await api.error(UPDATE, {"id": timed["_id"], "info": {"end": wall_time(day, 18, zone=NEW_YORK)}})
    assert moved["extensions"]["field"] == "sessionInfo.end"
    # Both times given (the write shortcut's case, which does not read first): refused the same.
    both = {"start": wall_time(day, 9, zone=NEW_YORK), "end": wall_time(day, 18, zone=NEW_YORK)}
    shortcut = await api.error(UPDATE, {"id": timed["_id"], "info": both})
    assert shortcut["extensions"]["field"] == "sessionInfo.start"
    assert await api.session(timed["_id"], GET) == updated
    info = {"allDay": False, "end": wall_time(day, 18, zone=NEW_YORK)}
    back = (await api.data(UPDATE, {"id": timed["_id"], "info": info}))["updateSession"]
    assert back["allDay"] is False and local_day(back["end"]) == (day, 18, 0)


@pytest.mark.parametrize(("zone", "sunday", "length"), [DST_SUNDAYS[0], DST_SUNDAYS[3]])
async def test_a_weekly_closure_day_is_whole_days_on_every_sunday(
    api: Api, zone: str, sunday: date, length: int
) -> None:
    first = sunday - timedelta(weeks=1)
    series = await create(api, all_day(first, 1, zone, recurrence="FREQ=WEEKLY;BYDAY=SU;COUNT=3"))
    assert series["allDay"] is True and series["recurrenceType"] == "MASTER"

    start = datetime.combine(first, datetime.min.time(), UTC) - timedelta(days=1)
    instances = await listed(api, start, start + timedelta(days=30), recurringSessionId=series["_id"])

    assert [local_day(item["start"]) for item in instances] == [
        (first + timedelta(weeks=week), 0, 0) for week in range(3)
    ]
    assert [local_day(item["end"]) for item in instances] == [
        (first + timedelta(weeks=week, days=1), 0, 0) for week in range(3)
    ]
    assert [hours(item) for item in instances] == [24, length, 24]
    assert {item["allDay"] for item in instances} == {True}
    on_the_sunday = await api.session(instance_id(series["_id"], sunday), GET)
    assert on_the_sunday == instances[1]


async def test_a_series_may_start_on_a_25_hour_day(api: Api) -> None:
    series = await create(api, all_day(date(2030, 10, 27), 1, LONDON, recurrence="FREQ=YEARLY;COUNT=2"))

    assert hours(series) == 25
    next_year = await api.session(instance_id(series["_id"], date(2031, 10, 27)), GET)
    assert hours(next_year) == 24 and local_day(next_year["end"]) == (date(2031, 10, 28), 0, 0)


async def test_an_instance_moves_by_whole_days_and_follows_its_series_all_day(api: Api) -> None:
    series = await create(api, all_day(date(2030, 3, 24), 1, LONDON, recurrence="FREQ=WEEKLY;BYDAY=SU"))
    sunday = instance_id(series["_id"], date(2030, 3, 31))

    monday = {"start": midnight(date(2030, 4, 1), LONDON), "end": midnight(date(2030, 4, 2), LONDON)}
    moved = await api.data(UPDATE, {"id": sunday, "info": monday})
    refused = await api.error(
        UPDATE, {"id": sunday, "info": {"start": wall_time(date(2030, 4, 1), 9, zone=LONDON)}}
    )
    timed = await api.error(UPDATE, {"id": sunday, "info": {"allDay": False}})
    two_days = await api.error(UPDATE, {"id": sunday, "info": {"end": midnight(date(2030, 4, 3), LONDON)}})

    assert local_day(moved["updateSession"]["start"]) == (date(2030, 4, 1), 0, 0)
    assert refused["extensions"]["field"] == "sessionInfo.start"
    assert timed["extensions"]["field"] == "sessionInfo.allDay"
    assert two_days["extensions"]["field"] == "sessionInfo.end"
    assert "one day" in two_days["message"]


async def test_availability_blocks_the_whole_local_day(api: Api) -> None:
    sunday = date(2030, 3, 10)
    closed = await create(api, all_day(sunday, 1, NEW_YORK))
    weekly = await create(
        api,
        all_day(
            sunday + timedelta(weeks=1), 1, NEW_YORK, scheduleId="other", recurrence="FREQ=WEEKLY;BYDAY=SU"
        ),
    )
    start = datetime(2030, 3, 9, 12, tzinfo=UTC)
    end = start + timedelta(days=10)

    found = await availability(
        api, ["studio", "other"], start, end, slot={"minutes": 60, "timeZone": NEW_YORK}
    )

    # New York's 10 March: 05:00Z (EST midnight) to 04:00Z next day (EDT midnight), 23 hours.
    studio_day = (datetime(2030, 3, 10, 5, tzinfo=UTC), datetime(2030, 3, 11, 4, tzinfo=UTC))
    assert normalised(found["studio"]["busy"]) == [{**span(*studio_day), "sessionIds": [closed["_id"]]}]
    other_day = (datetime(2030, 3, 17, 4, tzinfo=UTC), datetime(2030, 3, 18, 4, tzinfo=UTC))
    assert normalised(found["other"]["busy"]) == [
        {**span(*other_day), "sessionIds": [instance_id(weekly["_id"], date(2030, 3, 17))]}
    ]
    slot_starts = {datetime.fromisoformat(item["start"]) for item in found["studio"]["slots"]}
    assert not any(studio_day[0] <= slot < studio_day[1] for slot in slot_starts)
    assert studio_day[1] in slot_starts and studio_day[0] - timedelta(hours=1) in slot_starts


async def test_a_split_from_a_dst_sunday_keeps_whole_days_on_both_sides(api: Api) -> None:
    first = date(2030, 10, 20)
    info = all_day(first, 1, LONDON, recurrence="FREQ=WEEKLY;BYDAY=SU;COUNT=4", title="Closed")
    series = await create(api, info)
    sunday = instance_id(series["_id"], date(2030, 10, 27))

    options = {"scope": "THIS_AND_FOLLOWING"}
    await api.data(UPDATE, {"id": sunday, "info": {"title": "Inventory"}, "options": options})

    start = datetime(2030, 10, 19, tzinfo=UTC)
    found = await listed(api, start, start + timedelta(days=30), scheduleId="studio")
    assert [(local_day(item["start"]), local_day(item["end"]), hours(item)) for item in found] == [
        ((first + timedelta(weeks=week), 0, 0), (first + timedelta(weeks=week, days=1), 0, 0), length)
        for week, length in enumerate([24, 25, 24, 24])
    ]
    assert {item["allDay"] for item in found} == {True}
