"""Domain values built directly, for tests below the API (domain, storage, the dispatcher)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bookings_sessions.domain.commands import NewSession
from bookings_sessions.domain.model import Session
from bookings_sessions.domain.series import Series
from bookings_sessions.domain.series_patch import new_series
from bookings_sessions.domain.timezones import CalendarDateTimeIn, LocalDateTime, SessionTime, to_utc
from bookings_sessions.domain.values import Participant, SessionType

# BSON dates hold milliseconds: a value exact at that precision survives a round trip unchanged.
CREATED = datetime(2026, 1, 1, 8, 0, 0, 123000, tzinfo=UTC)
# When `make_series` creates its series: before every occurrence the tests look at.
SERIES_CREATED = datetime(2029, 12, 1, tzinfo=UTC)


def calendar_time(day: date, hour: int = 0, minute: int = 0, zone: str | None = None) -> CalendarDateTimeIn:
    """A time as a client gives it: local wall time (in `zone`, else the business zone)."""
    return CalendarDateTimeIn(
        local_date_time=LocalDateTime(
            year=day.year,
            month_of_year=day.month,
            day_of_month=day.day,
            hour_of_day=hour,
            minutes_of_hour=minute,
        ),
        time_zone=zone,
    )


def session_time(local: datetime, zone: str) -> SessionTime:
    """A time as a session holds it: the wall time, its zone, and the UTC instant they mean."""
    return SessionTime(utc=to_utc(local, ZoneInfo(zone)), local=local, zone=zone)


def make_session(session_id: str = "s1", *, now: datetime = CREATED, **fields: Any) -> Session:
    """A stored single session with every field set, none to its default, so a round trip that drops
    one fails. 15 June 2026, 10:00-11:00 in London; `fields` win."""
    start = datetime(2026, 6, 15, 10, 0)
    values: dict[str, Any] = {
        "id": session_id,
        "schedule_id": "schedule-1",
        "schedule_owner_id": "owner-1",
        "tags": ("INDIVIDUAL", "GROUP"),
        "notes": "A first note",
        "type": SessionType.WORKING_HOURS,
        "start": session_time(start, "Europe/London"),
        "end": session_time(start + timedelta(hours=1), "Europe/London"),
        "participants": (
            Participant(id="p1", name="Ada", email="ada@example.com", phone="+1", party_size=3),
        ),
        "revision": 1,
        "created_date": now,
        "updated_date": now,
        **fields,
    }
    return Session(**values)


def make_series(
    first: date,
    rule: str = "FREQ=WEEKLY;BYDAY=MO,TH",
    zone: str = "Europe/London",
    hours: tuple[int, int] = (10, 11),
    *,
    session_id: str = "series1",
    **fields: Any,
) -> Series:
    """A series as `createSession` makes it: `rule` from `first`, `hours` of wall time in `zone`."""
    command = NewSession(
        schedule_id="s",
        recurrence=rule,
        start=calendar_time(first, hours[0], zone=zone),
        end=calendar_time(first, hours[1], zone=zone),
        **fields,
    )
    return new_series(command, session_id=session_id, business_zone="UTC", now=SERIES_CREATED)
