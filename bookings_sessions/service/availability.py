"""`availability(scheduleIds, window, slot)`: busy, free and slots per schedule.

The sessions are read as `sessions(expandInstances: true)` reads them (service/listing.py), so a series
counts occurrence by occurrence with its exceptions exactly as a calendar shows it; the arithmetic is
domain/availability.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from ..domain.availability import (
    MAX_SCHEDULES,
    Interval,
    ScheduleAvailability,
    SlotSpec,
    availabilities,
    slot_spec,
    slot_starts,
)
from ..domain.errors import BadUserInput, fields_of
from ..domain.fields import MAX_TIME_RESERVED_AFTER
from ..domain.listing import Window, check_window
from ..domain.model import Session
from ..domain.timezones import business_zone_or_error
from .listing import instances_of
from .services import AppServices

# Sessions (and occurrences) one request may read; a busier window is refused rather than cut short.
MAX_SESSIONS = 10_000
# Stored documents (sessions, series, exceptions) the first read may return; beyond, the same refusal.
MAX_DOCUMENTS = 2 * MAX_SESSIONS
# A session that ended up to this long before a window may still block it with its buffer.
MAX_BUFFER = timedelta(minutes=MAX_TIME_RESERVED_AFTER)


def checked_schedules(schedule_ids: Sequence[str]) -> tuple[str, ...]:
    unique = tuple(dict.fromkeys(schedule_ids))
    if not 1 <= len(unique) <= MAX_SCHEDULES:
        raise BadUserInput(f"give 1 to {MAX_SCHEDULES} schedules", field="schedule_ids")
    if any(not 1 <= len(item) <= 200 for item in unique):
        raise BadUserInput("each schedule id has 1 to 200 characters", field="schedule_ids")
    return unique


async def blocking_sessions(
    services: AppServices, schedule_ids: Sequence[str], window: Window
) -> list[Session]:
    """Every session and occurrence that may open or block one of the schedules in the window: the
    schedules' own, and those of other schedules that name one of them among their affected schedules."""
    return (await _blocking(services, schedule_ids, window))[0]


async def _blocking(
    services: AppServices, schedule_ids: Sequence[str], window: Window
) -> tuple[list[Session], set[str]]:
    """The blocking sessions, and which schedules the documents read show to have working hours. The
    read starts a buffer's length early, for sessions whose buffer reaches into the window."""
    reach = Window(start=window.start - MAX_BUFFER, end=window.end)
    read = await services.store.find_blocking(list(schedule_ids), reach, limit=MAX_DOCUMENTS)
    if not read.complete:
        raise _too_many()
    found: dict[str, Session] = {}
    for session in (*read.sessions, *instances_of(read.series, read.overrides, reach)):
        found[session.id] = session
        if len(found) > MAX_SESSIONS:
            raise _too_many()
    return list(found.values()), read.working_hours


def _too_many() -> BadUserInput:
    return BadUserInput(f"more than {MAX_SESSIONS} sessions in the window: ask for less", field="window")


def slot_of(slot: dict[str, Any] | None, business_zone: str) -> SlotSpec | None:
    if slot is None:
        return None
    with fields_of("slot"):
        zone_name = business_zone if slot.get("time_zone") is None else slot["time_zone"]
        zone = business_zone_or_error(zone_name, "time_zone")
        return slot_spec(int(slot["minutes"]), slot.get("step_minutes"), zone)


async def availability(
    services: AppServices,
    schedule_ids: Sequence[str],
    window_bounds: tuple[datetime, datetime],
    slot: dict[str, Any] | None = None,
) -> list[ScheduleAvailability]:
    schedules = checked_schedules(schedule_ids)
    window = check_window(*window_bounds)
    spec = slot_of(slot, services.business_zone)
    interval = Interval(window.start, window.end)
    with fields_of("slot"):
        starts = None if spec is None else slot_starts(interval, spec)
    sessions, with_hours = await _blocking(services, schedules, window)
    # A schedule whose working hours all lie outside the window is still closed outside them.
    unknown = [item for item in schedules if item not in with_hours]
    if unknown:
        with_hours |= await services.store.schedules_with_working_hours(unknown)
    return availabilities(schedules, sessions, interval, starts, spec, with_hours)
