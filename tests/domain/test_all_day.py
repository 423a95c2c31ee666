"""The all-day rule (domain/all_day.py): whole local days in any zone, DST days and midnight gaps included."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bookings_sessions.domain.all_day import MAX_DAYS, check_whole_days, day_start, whole_days
from bookings_sessions.domain.commands import NewSession
from bookings_sessions.domain.errors import BadUserInput
from bookings_sessions.domain.series import instance_session
from bookings_sessions.domain.series_patch import new_series
from bookings_sessions.domain.timezones import at_instant
from tests.support.domain import SERIES_CREATED, calendar_time

# Zones whose clocks change at 01:00 UTC, at 02:00 local, by 30 minutes (Lord Howe), and at midnight
# itself (Havana, Santiago, Beirut: the day starts at 01:00 there).
ZONES = [
    "Europe/London",
    "America/New_York",
    "Australia/Lord_Howe",
    "America/Havana",
    "America/Santiago",
    "Asia/Beirut",
    "UTC",
]
DAYS_2030 = st.dates(min_value=date(2030, 1, 1), max_value=date(2030, 12, 31))


@given(zone=st.sampled_from(ZONES), first=DAYS_2030, days=st.integers(min_value=1, max_value=MAX_DAYS))
def test_whole_days_are_accepted_and_start_and_end_on_their_dates(zone: str, first: date, days: int) -> None:
    start, end = whole_days(first, days, zone)

    check_whole_days(start, end)
    assert start.local.date() == first and end.local.date() == first + timedelta(days=days)
    assert start.local.minute == end.local.minute == 0 and start.local.hour <= 1 and end.local.hour <= 1
    # Every day is within an hour of 24 hours; together they cover the dates exactly.
    hours = (end.utc - start.utc).total_seconds() / 3600
    assert abs(hours - 24 * days) <= 1


@given(zone=st.sampled_from(ZONES), first=DAYS_2030, minutes=st.integers(min_value=1, max_value=1439))
def test_any_other_instant_of_the_day_is_refused(zone: str, first: date, minutes: int) -> None:
    start, end = whole_days(first, 1, zone)
    later = at_instant(start.utc + timedelta(minutes=minutes), zone)
    if later.utc >= end.utc:
        return  # a 23-hour day has no such minute

    with pytest.raises(BadUserInput) as refused:
        check_whole_days(later, end)
    assert refused.value.field == "start"


def test_more_days_than_allowed_and_two_zones_are_refused() -> None:
    start, end = whole_days(date(2030, 1, 1), MAX_DAYS + 1, "Europe/London")
    with pytest.raises(BadUserInput, match="at most 366 days"):
        check_whole_days(start, end)
    with pytest.raises(BadUserInput) as zones:
        check_whole_days(start, day_start(date(2030, 1, 2), "Europe/Paris"))
    assert zones.value.field == "end.time_zone"


@pytest.mark.parametrize(
    ("zone", "sunday", "hours"),
    [("Europe/London", date(2030, 3, 31), 23), ("America/New_York", date(2030, 11, 3), 25)],
)
def test_an_all_day_series_occurrence_is_its_whole_local_day(zone: str, sunday: date, hours: int) -> None:
    first = sunday - timedelta(weeks=1)
    command = NewSession(
        schedule_id="s",
        recurrence="FREQ=WEEKLY;BYDAY=SU",
        start=calendar_time(first, zone=zone),
        end=calendar_time(first + timedelta(days=1), zone=zone),
        all_day=True,
    )
    series = new_series(command, session_id="closures", business_zone="UTC", now=SERIES_CREATED)

    occurrence = instance_session(series, sunday, None)

    assert occurrence is not None and occurrence.all_day
    assert (occurrence.start, occurrence.end) == whole_days(sunday, 1, zone)
    assert occurrence.end.utc - occurrence.start.utc == timedelta(hours=hours)
