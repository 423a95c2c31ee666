"""Series history and instance overrides, as pure functions (no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bookings_sessions.domain.commands import SessionPatch
from bookings_sessions.domain.series import (
    Series,
    StartMode,
    instance_session,
    instances_in_window,
    nominal_occurrences,
    session_time,
)
from bookings_sessions.domain.series_patch import plan_instance_update, plan_series_update
from tests.support.domain import SERIES_CREATED, calendar_time, make_series

ZONES = ["America/New_York", "Europe/London", "Australia/Sydney", "Asia/Kolkata"]


def starts(series: Series, lower: datetime, upper: datetime) -> list[tuple[date, int]]:
    return [(s.start.local.date(), s.start.local.hour) for s in instances_in_window(series, {}, lower, upper)]


@settings(max_examples=60, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    update_offset_hours=st.integers(min_value=0, max_value=24 * 60),
    new_hour=st.integers(min_value=0, max_value=22),
)
def test_series_update_changes_exactly_the_instances_not_yet_started(
    zone: str, update_offset_hours: int, new_hour: int
) -> None:
    first = date(2030, 1, 6)
    series = make_series(first, "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU", zone=zone, hours=(9, 10))
    now = datetime(2030, 1, 6, tzinfo=UTC) + timedelta(hours=update_offset_hours)
    patch = SessionPatch.from_given(
        {
            "start": calendar_time(first, new_hour, zone=zone),
            "end": calendar_time(first, new_hour + 1, zone=zone),
        }
    )
    updated = plan_series_update(series, patch, business_zone="UTC", now=now)
    if new_hour == 9:
        assert updated is None
        return
    assert updated is not None
    lower, upper = datetime(2030, 1, 1, tzinfo=UTC), datetime(2030, 4, 1, tzinfo=UTC)
    inner = (date(2030, 1, 2), date(2030, 3, 30))  # away from the window's edges, where times can cross
    before = {
        s.start.local.date(): s
        for s in instances_in_window(series, {}, lower, upper)
        if inner[0] <= s.start.local.date() <= inner[1]
    }
    after = {
        s.start.local.date(): s
        for s in instances_in_window(updated, {}, lower, upper)
        if inner[0] <= s.start.local.date() <= inner[1]
    }
    assert before.keys() == after.keys()  # same dates: only the time of day changed
    for day, old in before.items():
        new = after[day]
        if old.start.utc < now:
            assert new.start == old.start, day  # already started: untouched
        else:
            # future: follows the update (an hour in a spring-forward gap shows as the hour after it)
            shown = session_time(datetime.combine(day, time(new_hour)), zone).local
            assert new.start.local == shown, day


@settings(max_examples=40, deadline=None)
@given(updates=st.integers(min_value=1, max_value=15), zone=st.sampled_from(ZONES))
def test_history_never_outgrows_the_governed_occurrences(updates: int, zone: str) -> None:
    series = make_series(date(2030, 1, 6), zone=zone)
    now = datetime(2030, 1, 1, tzinfo=UTC)
    for index in range(updates):
        patch = SessionPatch.from_given({"tags": (f"t{index}",)})
        planned = plan_series_update(series, patch, business_zone="UTC", now=now)
        assert planned is not None
        series = planned
        now += timedelta(hours=17)
    governed = {
        entry.from_date
        for entry, _ in nominal_occurrences(
            series, datetime(2029, 1, 1, tzinfo=UTC), datetime(2031, 1, 1, tzinfo=UTC)
        )
    }
    # Every entry but the newest governs at least one occurrence; the newest governs the future.
    assert len(series.history) <= len(governed) + 1
    assert series.current.tags == (f"t{updates - 1}",)


def test_instance_rules_follow_the_seed_table() -> None:
    series = make_series(date(2030, 1, 7), "FREQ=WEEKLY;BYDAY=MO")
    day = date(2030, 1, 14)
    zone = "Europe/London"
    moved = plan_instance_update(
        series,
        day,
        None,
        SessionPatch.from_given({"start": calendar_time(day, 9, 30, zone)}),
        business_zone="UTC",
        now=SERIES_CREATED,
    )
    assert moved is not None and moved.start_mode is StartMode.FIXED
    stretched = plan_instance_update(
        series,
        day,
        None,
        SessionPatch.from_given({"end": calendar_time(day, 12, 0, zone)}),
        business_zone="UTC",
        now=SERIES_CREATED,
    )
    assert stretched is not None and stretched.start_mode is StartMode.DURATION
    assert stretched.duration_minutes == 120
    back = plan_instance_update(
        series,
        day,
        moved,
        SessionPatch.from_given({"start": calendar_time(day, 10, 0, zone)}),
        business_zone="UTC",
        now=SERIES_CREATED,
    )
    assert back is not None and back.start_mode is StartMode.FOLLOW
    shown = instance_session(series, day, back)
    assert shown is not None and (shown.start.local.hour, shown.end.local.hour) == (10, 11)


def test_dst_keeps_wall_time_for_instances() -> None:
    series = make_series(date(2030, 3, 4), "FREQ=WEEKLY;BYDAY=MO", zone="America/New_York", hours=(9, 10))
    found = instances_in_window(
        series, {}, datetime(2030, 3, 1, tzinfo=UTC), datetime(2030, 3, 20, tzinfo=UTC)
    )
    assert [s.start.local.hour for s in found] == [9, 9, 9]
    assert [s.start.utc.hour for s in found] == [14, 13, 13]  # EST, then EDT after 10 March
