"""All-day sessions: whole local days in the session's zone, stored as the first instants of their dates (the
end exclusive), so every reader sees the days' real length across DST (docs/api.md, "All-day sessions").
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Final

from .errors import BadUserInput
from .timezones import SessionTime, wall_time_of

MAX_DAYS: Final = 366  # a single all-day session: up to a year of closures or a long course
OCCURRENCE_DAYS: Final = 1  # each occurrence of an all-day recurring session: one day


def day_start(day: date, zone_name: str) -> SessionTime:
    """The first instant of local date `day` in the zone."""
    return wall_time_of(datetime.combine(day, time()), zone_name)


def whole_days(first_day: date, days: int, zone_name: str) -> tuple[SessionTime, SessionTime]:
    """Start and (exclusive) end of `days` local days from `first_day`."""
    return day_start(first_day, zone_name), day_start(first_day + timedelta(days=days), zone_name)


def length_in_days(start: SessionTime, end: SessionTime) -> int:
    return (end.local.date() - start.local.date()).days


def check_whole_days(start: SessionTime, end: SessionTime, *, max_days: int = MAX_DAYS) -> None:
    """The all-day rule: both times are the first instant of a local date, in one zone, at most
    `max_days` apart (and the end after the start, as for every session)."""
    if end.zone != start.zone:
        raise BadUserInput("an all-day session's end must be in the zone of its start", field="end.time_zone")
    for name, value in (("start", start), ("end", end)):
        if value.utc != day_start(value.local.date(), value.zone).utc:
            raise BadUserInput(
                "an all-day session starts and ends at midnight in its zone (the end is the day after "
                "its last day)",
                field=name,
            )
    days = length_in_days(start, end)
    if days < 1:
        raise BadUserInput("must be after start", field="end")
    if days > max_days:
        message = (
            "each occurrence of an all-day recurring session is one day"
            if max_days == OCCURRENCE_DAYS
            else f"an all-day session lasts at most {max_days} days"
        )
        raise BadUserInput(message, field="end")
