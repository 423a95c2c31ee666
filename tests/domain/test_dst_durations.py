"""Every occurrence keeps its exact duration on every DST day of five zones (issue 21, item 4)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bookings_sessions.domain.commands import NewSession
from bookings_sessions.domain.series import instances_in_window
from bookings_sessions.domain.series_patch import new_series
from bookings_sessions.domain.timezones import to_utc, utc_to_local
from tests.support.domain import SERIES_CREATED, calendar_time

# Both hemispheres, a change at midnight (Santiago), and Europe's change at 01:00 UTC.
ZONES = ("America/New_York", "Europe/London", "Australia/Sydney", "America/Santiago", "Europe/Berlin")
YEAR = 2027


@cache
def change_days(zone_name: str) -> tuple[date, ...]:
    """The local dates of YEAR on which the zone's offset changes (between the noon before and noon)."""
    zone = ZoneInfo(zone_name)
    days = [date(YEAR, 1, 1) + timedelta(days=n) for n in range(365)]
    return tuple(
        day
        for day in days
        if datetime.combine(day, time(12), tzinfo=zone).utcoffset()
        != datetime.combine(day - timedelta(days=1), time(12), tzinfo=zone).utcoffset()
    )


def exists(local: datetime, zone: ZoneInfo) -> bool:
    return utc_to_local(to_utc(local, zone), zone) == local


@st.composite
def dst_days(draw: st.DrawFn) -> tuple[str, date]:
    zone = draw(st.sampled_from(ZONES))
    return zone, draw(st.sampled_from(change_days(zone)))


@settings(max_examples=300, deadline=None)
@given(
    where=dst_days(),
    hour=st.integers(min_value=0, max_value=23),
    minute=st.sampled_from((0, 15, 30, 45)),
    minutes=st.integers(min_value=1, max_value=24 * 60),
)
def test_every_occurrence_keeps_its_exact_duration(
    where: tuple[str, date], hour: int, minute: int, minutes: int
) -> None:
    zone_name, change_day = where
    zone = ZoneInfo(zone_name)
    first = change_day - timedelta(days=3)  # a day with no change: its wall length is its exact length
    start = datetime.combine(first, time(hour, minute))
    end = start + timedelta(minutes=minutes)
    series = new_series(
        NewSession(
            schedule_id="s",
            recurrence="FREQ=DAILY;COUNT=7",
            start=calendar_time(first, hour, minute, zone=zone_name),
            end=calendar_time(end.date(), end.hour, end.minute, zone=zone_name),
        ),
        session_id="dst",
        business_zone="UTC",
        now=SERIES_CREATED,
    )
    lower = datetime.combine(first, time(), tzinfo=UTC) - timedelta(days=2)
    found = instances_in_window(series, {}, lower, lower + timedelta(days=12))

    assert len(found) == 7  # no occurrence lost (or doubled) around the change
    for instance in found:
        assert instance.end.utc - instance.start.utc == timedelta(minutes=minutes), instance.start
        # The wall time shown is the one its instant has; the rule's time when that exists that day.
        assert instance.start.local == utc_to_local(instance.start.utc, zone)
        nominal = datetime.combine(instance.start.local.date(), time(hour, minute))
        if exists(nominal, zone):
            assert instance.start.local == nominal
    starts = [instance.start.utc for instance in found]
    assert starts == sorted(starts) and len(set(starts)) == 7
    assert change_day in {instance.start.local.date() for instance in found} or not exists(
        datetime.combine(change_day, time(hour, minute)), zone
    )
