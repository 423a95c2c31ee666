"""Time conversion: wall time + IANA zone <-> UTC instant, and the input rules around it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from bookings_sessions.domain.errors import BadUserInput
from bookings_sessions.domain.timezones import (
    CalendarDateTimeIn,
    LocalDateTime,
    as_utc,
    resolve_time,
    to_utc,
    utc_to_local,
    zone_or_error,
)
from tests.support.domain import calendar_time

NEW_YORK = ZoneInfo("America/New_York")
# Zones with odd rules: 30-minute DST (Lord Howe), +12:45/+13:45 (Chatham), southern DST, no DST.
ZONES = [
    "UTC",
    "America/New_York",
    "Europe/London",
    "Europe/Berlin",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "America/Sao_Paulo",
    "Asia/Kolkata",
]


# --- DST ------------------------------------------------------------------------------------------


def test_spring_forward_gap_resolves_like_fold_0() -> None:
    # 02:30 does not exist on 2026-03-08 in New York; fold=0 applies the offset before the jump (EST).
    resolved = resolve_time(calendar_time(date(2026, 3, 8), 2, 30, "America/New_York"), "UTC", "start")
    assert resolved.utc == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)
    # ... which is the instant the clocks show as 03:30 EDT: moved forward by the gap, and shown so.
    assert resolved.local == datetime(2026, 3, 8, 3, 30) == utc_to_local(resolved.utc, NEW_YORK)
    assert resolved.zone == "America/New_York"


def test_fall_back_overlap_resolves_to_the_first_occurrence_edt() -> None:
    # 01:30 happens twice on 2026-11-01 in New York; fold=0 is the first one, still on EDT (UTC-4).
    resolved = resolve_time(calendar_time(date(2026, 11, 1), 1, 30, "America/New_York"), "UTC", "start")
    assert resolved.utc == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    assert resolved.utc != datetime(2026, 11, 1, 6, 30, tzinfo=UTC)  # the EST one, an hour later


def test_gap_and_overlap_are_resolved_the_same_way_every_time() -> None:
    gap = calendar_time(date(2026, 3, 8), 2, 30, "America/New_York")
    assert {resolve_time(gap, "UTC", "s").utc for _ in range(5)} == {datetime(2026, 3, 8, 7, 30, tzinfo=UTC)}


def test_instants_on_either_side_of_the_overlap_read_back_as_the_same_wall_time() -> None:
    first = datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    assert utc_to_local(first, NEW_YORK) == utc_to_local(first + timedelta(hours=1), NEW_YORK)


# --- zones ----------------------------------------------------------------------------------------


def test_wall_time_without_zone_uses_and_stores_the_business_zone() -> None:
    resolved = resolve_time(calendar_time(date(2026, 7, 1), 10, 0), "Europe/London", "start")
    assert resolved.zone == "Europe/London"
    assert resolved.utc == datetime(2026, 7, 1, 9, 0, tzinfo=UTC)  # BST
    winter = resolve_time(calendar_time(date(2026, 1, 15), 10, 0), "Europe/London", "start")
    assert winter.utc == datetime(2026, 1, 15, 10, 0, tzinfo=UTC)


def test_explicit_zone_wins_over_the_business_zone() -> None:
    resolved = resolve_time(calendar_time(date(2026, 7, 1), 10, 0, "Asia/Kolkata"), "Europe/London", "s")
    assert resolved.zone == "Asia/Kolkata"
    assert resolved.utc == datetime(2026, 7, 1, 4, 30, tzinfo=UTC)


def test_timestamp_without_zone_is_shown_in_the_business_zone() -> None:
    instant = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
    resolved = resolve_time(CalendarDateTimeIn(timestamp=instant), "Europe/London", "s")
    assert (resolved.utc, resolved.local, resolved.zone) == (
        instant,
        datetime(2026, 7, 1, 10, 0),
        "Europe/London",
    )


def test_timestamp_with_offset_is_normalised_to_utc_and_trimmed_to_seconds() -> None:
    given_ = datetime(2026, 7, 1, 12, 0, 0, 123456, tzinfo=ZoneInfo("Europe/Berlin"))
    resolved = resolve_time(CalendarDateTimeIn(timestamp=given_), "UTC", "s")
    assert resolved.utc == datetime(2026, 7, 1, 10, 0, tzinfo=UTC)
    assert resolved.utc.tzinfo is UTC


def test_naive_timestamp_is_taken_as_utc() -> None:
    assert as_utc(datetime(2026, 1, 1, 12, 0)) == datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def test_timestamp_and_wall_time_must_agree() -> None:
    agreeing = CalendarDateTimeIn(
        timestamp=datetime(2026, 7, 1, 9, 0, tzinfo=UTC),
        local_date_time=LocalDateTime.from_naive(datetime(2026, 7, 1, 10, 0)),
    )
    assert resolve_time(agreeing, "Europe/London", "s").utc == datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
    disagreeing = agreeing.model_copy(update={"timestamp": datetime(2026, 7, 1, 10, 0, tzinfo=UTC)})
    with pytest.raises(BadUserInput) as caught:
        resolve_time(disagreeing, "Europe/London", "start")
    assert caught.value.field == "start"


def test_neither_timestamp_nor_wall_time_is_refused() -> None:
    with pytest.raises(BadUserInput) as caught:
        resolve_time(CalendarDateTimeIn(time_zone="UTC"), "UTC", "end")
    assert caught.value.field == "end"


@pytest.mark.parametrize("name", ["Mars/Olympus", "", "../../etc/passwd", "/etc/localtime", "Europe/"])
def test_unknown_zone_is_bad_input_naming_the_field(name: str) -> None:
    with pytest.raises(BadUserInput) as caught:
        resolve_time(calendar_time(date(2026, 1, 1), zone=name), "UTC", "start")
    assert caught.value.code == "BAD_USER_INPUT"
    assert caught.value.field == "start.time_zone"
    assert "unknown time zone" in caught.value.message


def test_unknown_business_zone_is_reported_on_the_time_zone_field() -> None:
    with pytest.raises(BadUserInput) as caught:
        resolve_time(calendar_time(date(2026, 1, 1)), "Nowhere/Land", "start")
    assert caught.value.field == "start.time_zone"


def test_known_zone_is_returned() -> None:
    assert zone_or_error("America/New_York", "f") == NEW_YORK


# --- impossible wall times ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "mentions"),
    [
        ((2026, 2, 30, 0, 0), "not a calendar date"),
        ((2026, 2, 29, 0, 0), "not a calendar date"),  # 2026 is not a leap year
        ((2026, 4, 31, 0, 0), "not a calendar date"),
        ((2026, 1, 0, 0, 0), "not a calendar date"),
        ((2026, 13, 1, 0, 0), "month_of_year"),
        ((2026, 0, 1, 0, 0), "month_of_year"),
        ((2026, 1, 1, 24, 0), "hour_of_day"),
        ((2026, 1, 1, -1, 0), "hour_of_day"),
        ((2026, 1, 1, 10, 60), "minutes_of_hour"),
        ((2026, 1, 1, 10, -1), "minutes_of_hour"),
        ((0, 1, 1, 0, 0), "year"),
        ((10000, 1, 1, 0, 0), "year"),
    ],
)
def test_impossible_wall_times_are_bad_input_naming_the_field(
    value: tuple[int, int, int, int, int], mentions: str
) -> None:
    year, month, day, hour, minute = value  # as a client may send it: no calendar checked yet
    local = LocalDateTime(
        year=year, month_of_year=month, day_of_month=day, hour_of_day=hour, minutes_of_hour=minute
    )
    with pytest.raises(BadUserInput) as caught:
        resolve_time(CalendarDateTimeIn(local_date_time=local, time_zone="UTC"), "UTC", "start")
    assert caught.value.field == "start"
    assert mentions in caught.value.message
    assert caught.value.message.startswith("local_date_time")


def test_leap_day_exists_in_a_leap_year() -> None:
    assert resolve_time(calendar_time(date(2028, 2, 29), 12), "UTC", "s").utc == datetime(
        2028, 2, 29, 12, tzinfo=UTC
    )


# --- properties -----------------------------------------------------------------------------------

wall_times = st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2037, 12, 31)).map(
    lambda value: value.replace(second=0, microsecond=0)
)


def in_gap(value: datetime, zone: ZoneInfo) -> bool:
    """A wall time skipped by a forward jump: fold=0 (old offset) lands later than fold=1 (new one).

    Computed with plain datetime arithmetic, independently of the code under test.
    """
    earlier = value.replace(tzinfo=zone, fold=0).astimezone(UTC)
    later = value.replace(tzinfo=zone, fold=1).astimezone(UTC)
    return earlier > later


@given(value=wall_times, zone_name=st.sampled_from(ZONES))
def test_existing_wall_times_round_trip_through_utc(value: datetime, zone_name: str) -> None:
    zone = ZoneInfo(zone_name)
    assume(not in_gap(value, zone))
    assert utc_to_local(to_utc(value, zone), zone) == value


# (zone, first skipped wall time, length of the gap in minutes)
GAPS = [
    ("America/New_York", datetime(2026, 3, 8, 2, 0), 60),
    ("Europe/London", datetime(2026, 3, 29, 1, 0), 60),
    ("Australia/Lord_Howe", datetime(2026, 10, 4, 2, 0), 30),
    ("Pacific/Chatham", datetime(2026, 9, 27, 2, 45), 60),
]


@given(gap=st.sampled_from(GAPS), minute=st.integers(min_value=0, max_value=59))
def test_gap_wall_times_move_forward_by_the_length_of_the_gap(
    gap: tuple[str, datetime, int], minute: int
) -> None:
    zone_name, first, length = gap
    zone = ZoneInfo(zone_name)
    value = first + timedelta(minutes=minute % length)
    assert in_gap(value, zone)
    assert utc_to_local(to_utc(value, zone), zone) == value + timedelta(minutes=length)


@given(value=wall_times, zone_name=st.sampled_from(ZONES))
def test_resolved_time_keeps_the_wall_time_and_zone_asked_for(value: datetime, zone_name: str) -> None:
    resolved = resolve_time(
        CalendarDateTimeIn(local_date_time=LocalDateTime.from_naive(value), time_zone=zone_name), "UTC", "s"
    )
    assert resolved.local == value
    assert resolved.zone == zone_name
    assert resolved.utc.tzinfo is not None
    assert resolved.utc.utcoffset() == timedelta(0)


@given(value=wall_times)
def test_local_date_time_round_trips_through_naive(value: datetime) -> None:
    assert LocalDateTime.from_naive(value).to_naive("f") == value
