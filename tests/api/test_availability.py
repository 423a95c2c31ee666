"""`availability`: busy, free and slots through the real app and FerretDB, rule by rule (issue 23)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from bookings_sessions.domain.recurrence import instance_id
from tests.support.api import Api
from tests.support.graphql import DELETE, UPDATE, wall_time, window
from tests.support.tokens import AS_ADMIN, AsAdmin

AVAILABILITY = """
query Free($ids: [String!]!, $window: TimeWindow!, $slot: SlotInput) {
  availability(scheduleIds: $ids, window: $window, slot: $slot) {
    scheduleId
    busy { start end sessionIds }
    free { start end }
    slots { start end }
  }
}
"""
MONDAY = date(2030, 1, 7)


def utc(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def text(value: datetime) -> str:
    return value.isoformat()


def span(start: datetime, end: datetime) -> dict[str, str]:
    return {"start": text(start), "end": text(end)}


async def availability(
    api: Api,
    ids: list[str],
    start: datetime,
    end: datetime,
    slot: dict[str, Any] | None = None,
    token: str | AsAdmin | None = AS_ADMIN,
) -> dict[str, dict[str, Any]]:
    variables: dict[str, Any] = {"ids": ids, "window": window(start, end), "slot": slot}
    found = (await api.data(AVAILABILITY, variables, token))["availability"]
    assert [item["scheduleId"] for item in found] == ids
    return {item["scheduleId"]: item for item in found}


def normalised(intervals: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Instants as `datetime.isoformat` writes them (the API writes `+00:00` too)."""
    return [
        {
            **item,
            "start": text(datetime.fromisoformat(item["start"])),
            "end": text(datetime.fromisoformat(item["end"])),
        }
        for item in intervals
    ]


async def create(api: Api, schedule_id: str, start: datetime, end: datetime, **fields: Any) -> str:
    info = {"scheduleId": schedule_id, "start": {"timestamp": text(start)}, "end": {"timestamp": text(end)}}
    created = await api.create_single(**info, notes=None, tags=[], **fields)
    return str(created["_id"])


async def test_own_sessions_block_with_their_buffer_and_cancelled_ones_do_not(api: Api) -> None:
    day = MONDAY
    kept = await create(api, "room-1", utc(day, 10), utc(day, 11), timeReservedAfter=15)
    cancelled = await create(api, "room-1", utc(day, 12), utc(day, 13))
    await api.data(DELETE, {"id": cancelled})
    await create(api, "room-2", utc(day, 9), utc(day, 10))  # another schedule's
    found = await availability(api, ["room-1"], utc(day, 8), utc(day, 14))
    room = found["room-1"]
    assert normalised(room["busy"]) == [{**span(utc(day, 10), utc(day, 11, 15)), "sessionIds": [kept]}]
    # No working hours: open all the time, so free is the window minus busy.
    assert normalised(room["free"]) == [span(utc(day, 8), utc(day, 10)), span(utc(day, 11, 15), utc(day, 14))]
    assert room["slots"] == []


async def test_a_buffer_reaches_into_the_window_from_before_it(api: Api) -> None:
    session = await create(api, "room-1", utc(MONDAY, 6), utc(MONDAY, 7), timeReservedAfter=90)
    found = await availability(api, ["room-1"], utc(MONDAY, 8), utc(MONDAY, 9))
    assert normalised(found["room-1"]["busy"]) == [
        {**span(utc(MONDAY, 8), utc(MONDAY, 8, 30)), "sessionIds": [session]}
    ]


async def test_affected_schedules_block_when_busy_and_not_when_free(api: Api) -> None:
    links = [
        {"scheduleId": "coach-bob", "transparency": "BUSY"},
        {"scheduleId": "coach-ann", "transparency": "FREE"},
    ]
    lesson = await create(api, "room-1", utc(MONDAY, 10), utc(MONDAY, 11), affectedSchedules=links)
    own = await create(api, "coach-bob", utc(MONDAY, 10, 30), utc(MONDAY, 12))
    series = await api.create_series(
        scheduleId="room-2",
        rule="FREQ=DAILY",
        first=MONDAY,
        hours=(14, 15),
        zone="UTC",
        affectedSchedules=[{"scheduleId": "coach-bob"}],
        timeReservedAfter=10,
    )
    found = await availability(api, ["coach-bob", "coach-ann", "room-1"], utc(MONDAY, 8), utc(MONDAY, 18))
    assert normalised(found["coach-bob"]["busy"]) == [
        {**span(utc(MONDAY, 10), utc(MONDAY, 12)), "sessionIds": sorted([lesson, own])},
        {**span(utc(MONDAY, 14), utc(MONDAY, 15, 10)), "sessionIds": [instance_id(series["_id"], MONDAY)]},
    ]
    assert found["coach-ann"]["busy"] == []
    assert normalised(found["coach-ann"]["free"]) == [span(utc(MONDAY, 8), utc(MONDAY, 18))]
    assert [item["sessionIds"] for item in found["room-1"]["busy"]] == [[lesson]]


async def test_a_series_counts_occurrence_by_occurrence_with_its_exceptions(api: Api) -> None:
    series = await api.create_series(scheduleId="room-3", first=MONDAY, hours=(10, 11), zone="UTC")
    series_id = series["_id"]
    moved, cancelled, resized = (instance_id(series_id, date(2030, 1, day)) for day in (14, 21, 28))
    when = {
        "start": wall_time(date(2030, 1, 15), 14, zone="UTC"),
        "end": wall_time(date(2030, 1, 15), 15, zone="UTC"),
    }
    await api.data(UPDATE, {"id": moved, "info": when})
    await api.data(DELETE, {"id": cancelled})
    await api.data(UPDATE, {"id": resized, "info": {"end": wall_time(date(2030, 1, 28), 12, zone="UTC")}})
    found = await availability(api, ["room-3"], utc(MONDAY, 0), utc(date(2030, 2, 5), 0))
    assert normalised(found["room-3"]["busy"]) == [
        {**span(utc(MONDAY, 10), utc(MONDAY, 11)), "sessionIds": [instance_id(series_id, MONDAY)]},
        {**span(utc(date(2030, 1, 15), 14), utc(date(2030, 1, 15), 15)), "sessionIds": [moved]},
        {**span(utc(date(2030, 1, 28), 10), utc(date(2030, 1, 28), 12)), "sessionIds": [resized]},
        {
            **span(utc(date(2030, 2, 4), 10), utc(date(2030, 2, 4), 11)),
            "sessionIds": [instance_id(series_id, date(2030, 2, 4))],
        },
    ]


async def working_day(api: Api, schedule_id: str, zone: str, first: date) -> None:
    info = {
        "scheduleId": schedule_id,
        "type": "WORKING_HOURS",
        "recurrence": "FREQ=DAILY",
        "start": wall_time(first, 9, zone=zone),
        "end": wall_time(first, 17, zone=zone),
    }
    await api.data("mutation($i: CreateSessionInfo!) { createSession(sessionInfo: $i) { _id } }", {"i": info})


async def test_recurring_working_hours_across_dst_in_two_zones(api: Api) -> None:
    await working_day(api, "coach-eu", "Europe/London", date(2030, 3, 1))
    await working_day(api, "coach-us", "America/New_York", date(2030, 3, 1))
    # Europe/London springs forward on 31 March 2030; 09:00-17:00 is 08:00-16:00 UTC from then on.
    lunch = await create(api, "coach-eu", utc(date(2030, 3, 31), 11), utc(date(2030, 3, 31), 12))
    hourly = {"minutes": 60, "timeZone": "Europe/London"}
    eu = (await availability(api, ["coach-eu"], utc(date(2030, 3, 30), 0), utc(date(2030, 4, 1), 0), hourly))[
        "coach-eu"
    ]
    assert normalised(eu["free"]) == [
        span(utc(date(2030, 3, 30), 9), utc(date(2030, 3, 30), 17)),
        span(utc(date(2030, 3, 31), 8), utc(date(2030, 3, 31), 11)),
        span(utc(date(2030, 3, 31), 12), utc(date(2030, 3, 31), 16)),
    ]
    assert eu["busy"][0]["sessionIds"] == [lunch]
    starts = [datetime.fromisoformat(item["start"]).hour for item in eu["slots"]]
    assert starts == [9, 10, 11, 12, 13, 14, 15, 16, 8, 9, 10, 12, 13, 14, 15]
    # America/New_York springs forward on 10 March 2030: 14:00-22:00 UTC, then 13:00-21:00.
    half_hours = {"minutes": 60, "stepMinutes": 30, "timeZone": "America/New_York"}
    us = (
        await availability(api, ["coach-us"], utc(date(2030, 3, 9), 0), utc(date(2030, 3, 11), 0), half_hours)
    )["coach-us"]
    assert normalised(us["free"]) == [
        span(utc(date(2030, 3, 9), 14), utc(date(2030, 3, 9), 22)),
        span(utc(date(2030, 3, 10), 13), utc(date(2030, 3, 10), 21)),
    ]
    assert len(us["slots"]) == 2 * 15  # 09:00 to 16:00 local, every half hour, each day
    assert normalised(us["slots"][15:16]) == [span(utc(date(2030, 3, 10), 13), utc(date(2030, 3, 10), 14))]


async def test_slots_fit_exactly_at_the_window_edges(api: Api) -> None:
    await create(api, "room-9", utc(MONDAY, 10), utc(MONDAY, 10, 20))
    slot = {"minutes": 30, "timeZone": "UTC"}
    whole = (await availability(api, ["room-9"], utc(MONDAY, 9), utc(MONDAY, 11), slot))["room-9"]
    assert normalised(whole["slots"]) == [
        span(utc(MONDAY, 9), utc(MONDAY, 9, 30)),
        span(utc(MONDAY, 9, 30), utc(MONDAY, 10)),
        span(utc(MONDAY, 10, 30), utc(MONDAY, 11)),
    ]
    # A window starting off the grid: the first slot starts at the next step, never before the window.
    late = (await availability(api, ["room-9"], utc(MONDAY, 9, 10), utc(MONDAY, 10, 59), slot))["room-9"]
    assert normalised(late["slots"]) == [span(utc(MONDAY, 9, 30), utc(MONDAY, 10))]
    assert normalised(late["free"])[0] == span(utc(MONDAY, 9, 10), utc(MONDAY, 10))


async def test_session_ids_only_for_staff_admins_and_services(api: Api) -> None:
    session = await create(api, "room-1", utc(MONDAY, 10), utc(MONDAY, 11))
    for token in (api.tokens.staff, api.tokens.service):
        found = await availability(api, ["room-1"], utc(MONDAY, 8), utc(MONDAY, 12), token=token)
        assert found["room-1"]["busy"][0]["sessionIds"] == [session]
    anonymous = await availability(api, ["room-1"], utc(MONDAY, 8), utc(MONDAY, 12), token=None)
    assert normalised(anonymous["room-1"]["busy"]) == [
        {**span(utc(MONDAY, 10), utc(MONDAY, 11)), "sessionIds": []}
    ]


async def test_the_work_of_one_request_is_bounded(api: Api) -> None:
    start = utc(MONDAY, 0)
    cases = [
        ({"ids": [f"s{n}" for n in range(51)], "window": window(start, utc(MONDAY, 1))}, "scheduleIds"),
        ({"ids": ["a"], "window": window(start, utc(date(2031, 1, 9), 0))}, "window"),
        ({"ids": ["a"], "window": window(start, utc(MONDAY, 1)), "slot": {"minutes": 0}}, "slot.minutes"),
        (
            {"ids": ["a"], "window": window(start, utc(date(2030, 12, 31), 0)), "slot": {"minutes": 5}},
            "slot.stepMinutes",
        ),
        (
            {
                "ids": ["a"],
                "window": window(start, utc(MONDAY, 1)),
                "slot": {"minutes": 5, "timeZone": "Mars/Base"},
            },
            "slot.timeZone",
        ),
    ]
    for variables, field in cases:
        error = await api.error(AVAILABILITY, variables)
        assert error["extensions"]["code"] == "BAD_USER_INPUT", error
        assert error["extensions"]["field"] == field, error


async def test_a_schedule_with_working_hours_is_closed_outside_them(api: Api) -> None:
    info = {
        "scheduleId": "coach-weekdays",
        "type": "WORKING_HOURS",
        "recurrence": "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
        "start": wall_time(MONDAY, 9, zone="UTC"),
        "end": wall_time(MONDAY, 17, zone="UTC"),
    }
    await api.data("mutation($i: CreateSessionInfo!) { createSession(sessionInfo: $i) { _id } }", {"i": info})
    saturday = date(2030, 1, 12)
    found = await availability(
        api, ["coach-weekdays", "no-hours"], utc(saturday, 0), utc(date(2030, 1, 13), 0), {"minutes": 60}
    )
    # Working hours exist, none on Saturday: closed. No working hours at all: open all the time.
    assert (found["coach-weekdays"]["free"], found["coach-weekdays"]["slots"]) == ([], [])
    assert normalised(found["no-hours"]["free"]) == [span(utc(saturday, 0), utc(date(2030, 1, 13), 0))]
    assert len(found["no-hours"]["slots"]) == 24
