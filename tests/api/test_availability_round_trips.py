"""`availability` reads the store in a fixed, small number of round trips, whatever the schedules hold.

On FerretDB every read but a bare `_id` lookup scans the whole collection, so each round trip is a scan;
the reads one request needs are folded into one `$or` query plus the exceptions of the series found
(docs/performance.md, issue 23).
"""

from __future__ import annotations

from datetime import date

from bookings_sessions.domain.recurrence import instance_id
from tests.api.test_availability import AVAILABILITY, availability, create, normalised, span, utc
from tests.support.api import Api
from tests.support.commands import SessionReads
from tests.support.graphql import UPDATE, wall_time, window

MONDAY = date(2030, 1, 7)
async def weekday_hours(api: Api, schedule_id: str) -> None:
    info = {
        "scheduleId": schedule_id,
        "type": "WORKING_HOURS",
        "recurrence": "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
        "start": wall_time(MONDAY, 9, zone="UTC"),
        "end": wall_time(MONDAY, 17, zone="UTC"),
    }
    await api.data("mutation($i: CreateSessionInfo!) { createSession(sessionInfo: $i) { _id } }", {"i": info})


async def test_a_studio_s_availability_takes_two_reads(api: Api, session_reads: SessionReads) -> None:
    for coach in ("coach-a", "coach-b"):
        await weekday_hours(api, coach)
    own = await create(api, "coach-b", utc(date(2030, 1, 9), 12), utc(date(2030, 1, 9), 13))
    lesson = await create(
        api,
        "room-1",
        utc(date(2030, 1, 10), 15),
        utc(date(2030, 1, 10), 16),
        affectedSchedules=[{"scheduleId": "coach-b", "transparency": "BUSY"}],
    )
    series = await api.create_series(
        scheduleId="room-2",
        first=MONDAY,
        hours=(10, 11),
        zone="UTC",
        affectedSchedules=[{"scheduleId": "coach-a"}],
        timeReservedAfter=15,
    )
    moved = instance_id(series["_id"], date(2030, 1, 14))
    tuesday = date(2030, 1, 15)
    when = {"start": wall_time(tuesday, 14, zone="UTC"), "end": wall_time(tuesday, 15, zone="UTC")}
    await api.data(UPDATE, {"id": moved, "info": when})
    session_reads.reads.clear()

    variables = {
        "ids": ["coach-a", "coach-b"],
        "window": window(utc(MONDAY, 0), utc(date(2030, 2, 4), 0)),
        "slot": {"minutes": 60, "stepMinutes": 30},
    }
    found = {item["scheduleId"]: item for item in (await api.data(AVAILABILITY, variables))["availability"]}

    assert len(session_reads.reads) <= 2, [read.get("filter") for read in session_reads.reads]
    coach_a = normalised(found["coach-a"]["busy"])
    assert {**span(utc(tuesday, 14), utc(tuesday, 15, 15)), "sessionIds": [moved]} in coach_a
    assert len(coach_a) == 4  # four Mondays, one of them moved to Tuesday
    assert [item["sessionIds"] for item in found["coach-b"]["busy"]] == [[own], [lesson]]
    assert found["coach-b"]["free"][0]["start"].startswith("2030-01-07T09:00")


async def test_an_exception_naming_the_schedule_brings_its_series(
    api: Api, session_reads: SessionReads
) -> None:
    """The room's series names no coach; one occurrence's exception does, so the series is read by `_id`
    in the second read and only that occurrence blocks the coach."""
    await weekday_hours(api, "coach-c")
    series = await api.create_series(scheduleId="room-9", first=MONDAY, hours=(10, 11), zone="UTC")
    blocking = instance_id(series["_id"], date(2030, 1, 14))
    links = [{"scheduleId": "coach-c", "transparency": "BUSY"}]
    await api.data(UPDATE, {"id": blocking, "info": {"affectedSchedules": links}})
    session_reads.reads.clear()

    found = await availability(api, ["coach-c"], utc(MONDAY, 0), utc(date(2030, 2, 4), 0))

    assert len(session_reads.reads) == 2, [read.get("filter") for read in session_reads.reads]
    assert normalised(found["coach-c"]["busy"]) == [
        {**span(utc(date(2030, 1, 14), 10), utc(date(2030, 1, 14), 11)), "sessionIds": [blocking]}
    ]


async def test_working_hours_outside_the_window_still_close_the_schedule(
    api: Api, session_reads: SessionReads
) -> None:
    """Working hours read with the window show a schedule has some; one without any there is asked about
    separately, and is closed if it has working hours elsewhere."""
    await weekday_hours(api, "coach-d")
    hours = {"type": "WORKING_HOURS", "start": {"timestamp": "2029-06-04T09:00:00Z"}}
    await api.create_single(scheduleId="coach-e", **hours, end={"timestamp": "2029-06-04T17:00:00Z"})
    session_reads.reads.clear()

    found = await availability(api, ["coach-d", "coach-e", "room-x"], utc(MONDAY, 0), utc(MONDAY, 12))

    assert len(session_reads.reads) == 3, [read.get("filter") for read in session_reads.reads]
    assert normalised(found["coach-d"]["free"]) == [span(utc(MONDAY, 9), utc(MONDAY, 12))]
    assert found["coach-e"]["free"] == []
    assert normalised(found["room-x"]["free"]) == [span(utc(MONDAY, 0), utc(MONDAY, 12))]
