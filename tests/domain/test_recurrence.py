"""Tests for the weekly recurrence subset: parsing, DST-stable expansion, UNTIL/INTERVAL, instance ids.

The central property compares `occurrences` (dateutil, re-anchored near the window for speed) with a
deliberately dumb day-by-day enumeration that walks from the series' first date.
"""

from __future__ import annotations

import base64
import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookings_sessions.domain.errors import BadUserInput
from bookings_sessions.domain.recurrence import (
    DAYS,
    RecurrenceRule,
    instance_id,
    is_occurrence,
    occurrences,
    parse_instance_id,
    parse_rrule,
)
from bookings_sessions.domain.timezones import to_utc

ZONE_NAMES = ["America/New_York", "Europe/London", "Australia/Sydney", "Asia/Kolkata", "UTC"]
NY = ZoneInfo("America/New_York")
UTC_ZONE = ZoneInfo("UTC")
PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def naive_occurrences(
    rule: RecurrenceRule, first_start: datetime, zone: ZoneInfo, window_from: datetime, window_to: datetime
) -> list[datetime]:
    """Oracle: walk every local date from the first one; no dateutil, no re-anchoring."""
    first_monday = first_start.date() - timedelta(days=first_start.weekday())
    last_day = window_to.astimezone(zone).date() + timedelta(days=2)
    out: list[datetime] = []
    day = first_start.date()
    while day <= last_day:
        monday = day - timedelta(days=day.weekday())
        on_grid = ((monday - first_monday).days // 7) % rule.interval == 0
        if on_grid and DAYS[day.weekday()] in rule.by_day:
            local = datetime.combine(day, first_start.time())
            instant = local.replace(tzinfo=zone, fold=0).astimezone(UTC)
            if (rule.until is None or instant <= rule.until) and window_from <= instant < window_to:
                out.append(local)
        day += timedelta(days=1)
    return out


# --- strategies -------------------------------------------------------------------------------------

zones = st.sampled_from(ZONE_NAMES).map(ZoneInfo)
day_sets = st.sets(st.sampled_from(DAYS), min_size=1).map(lambda s: tuple(d for d in DAYS if d in s))


@st.composite
def local_starts(draw: st.DrawFn, min_year: int = 2000, max_year: int = 2040) -> datetime:
    day = draw(st.dates(date(min_year, 1, 1), date(max_year, 12, 31)))
    # Hours 0..3 are over-represented: that is where DST gaps and overlaps live.
    hour = draw(st.one_of(st.integers(0, 3), st.integers(0, 23)))
    minute = draw(st.sampled_from([0, 15, 30, 45, 59]))
    return datetime.combine(day, time(hour, minute))


@st.composite
def rules(draw: st.DrawFn, near: datetime | None = None) -> RecurrenceRule:
    interval = draw(st.integers(1, 4))
    until: datetime | None = None
    if draw(st.booleans()):
        base = near if near is not None else utc(2000, 1, 1)
        span = 400 if near is not None else 15_000
        until = base + timedelta(days=draw(st.integers(0, span)), seconds=draw(st.integers(0, 86_399)))
    return RecurrenceRule(interval=interval, by_day=draw(day_sets), until=until)


@st.composite
def series_and_window(
    draw: st.DrawFn, offset_days: tuple[int, int] = (-30, 400)
) -> tuple[RecurrenceRule, datetime, ZoneInfo, datetime, datetime]:
    zone = draw(zones)
    first_start = draw(local_starts())
    anchor = to_utc(first_start, zone)
    rule = draw(rules(near=anchor))
    window_from = anchor + timedelta(
        days=draw(st.integers(*offset_days)), minutes=draw(st.integers(-720, 720))
    )
    window_to = window_from + timedelta(minutes=draw(st.integers(0, 366 * 24 * 60)))
    return rule, first_start, zone, window_from, window_to


# --- parse_rrule ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;UNTIL=20220107T080000Z",
            RecurrenceRule(interval=2, by_day=("MO",), until=utc(2022, 1, 7, 8)),
        ),
        ("RRULE:FREQ=WEEKLY;BYDAY=WE,MO", RecurrenceRule(interval=1, by_day=("MO", "WE"))),
        ("rrule:freq=weekly;byday=fr;interval=3", RecurrenceRule(interval=3, by_day=("FR",))),
        ("BYDAY=SU,SA;FREQ=WEEKLY", RecurrenceRule(by_day=("SA", "SU"))),
        ("FREQ=WEEKLY;BYDAY=MO,MO,TU", RecurrenceRule(by_day=("MO", "TU"))),
        ("  FREQ=WEEKLY;BYDAY=TH;INTERVAL=1000  ", RecurrenceRule(interval=1000, by_day=("TH",))),
    ],
)
def test_parse_valid(text: str, expected: RecurrenceRule) -> None:
    assert parse_rrule(text) == expected


def test_to_rrule_is_canonical() -> None:
    text = "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;UNTIL=20220107T080000Z"
    assert parse_rrule(text).to_rrule() == text
    assert parse_rrule("byday=we,mo;freq=weekly").to_rrule() == "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,WE"


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("RRULE:", "empty"),
        ("FREQ=HOURLY;BYDAY=MO", "HOURLY"),
        ("FREQ=SECONDLY", "SECONDLY"),
        ("BYDAY=MO", "FREQ"),
        ("FREQ=WEEKLY", "BYDAY"),
        ("FREQ=WEEKLY;BYDAY=1MO", "1MO"),
        ("FREQ=WEEKLY;BYDAY=-1FR", "-1FR"),
        ("FREQ=WEEKLY;BYDAY=MO,XX", "XX"),
        ("FREQ=WEEKLY;BYDAY=", "BYDAY"),
        ("FREQ=WEEKLY;BYDAY=MO,,TU", "BYDAY"),
        *(
            ("FREQ=WEEKLY;BYDAY=MO;INTERVAL=" + v, "INTERVAL")
            for v in ("0", "-1", "1.5", "TWO", "", "1001", "9" * 50)
        ),
        ("FREQ=WEEKLY;BYDAY=MO;UNTIL=20220107", "20220107"),
        ("FREQ=WEEKLY;BYDAY=MO;UNTIL=20220107T080000", "UNTIL"),
        ("FREQ=WEEKLY;BYDAY=MO;UNTIL=20221307T080000Z", "20221307T080000Z"),
        ("FREQ=WEEKLY;BYDAY=MO;UNTIL=20220107T250000Z", "UNTIL"),
        ("FREQ=WEEKLY;BYDAY=MO;UNTIL=2022-01-07T08:00:00Z", "UNTIL"),
        ("FREQ=WEEKLY;BYDAY=MO;BYDAY=TU", "duplicate RRULE keyword BYDAY"),
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;interval=3", "duplicate RRULE keyword INTERVAL"),
        ("FREQ=WEEKLY;BYDAY=MO;", "malformed"),
        ("FREQWEEKLY;BYDAY=MO", "FREQWEEKLY"),
        ("FREQ=WEEKLY;=MO", "malformed"),
    ],
)
def test_parse_rejects_and_names_the_culprit(text: str, named: str) -> None:
    with pytest.raises(BadUserInput) as caught:
        parse_rrule(text)
    assert named in caught.value.message
    assert caught.value.field == "recurrence"
    assert caught.value.code == "BAD_USER_INPUT"


@pytest.mark.parametrize(
    "keyword", ["WKST", "BYHOUR", "BYMINUTE", "BYSECOND", "BYWEEKNO", "BYYEARDAY", "X-NAME"]
)
def test_unsupported_keyword_is_named(keyword: str) -> None:
    with pytest.raises(BadUserInput, match=f"unsupported RRULE keyword {keyword}") as caught:
        parse_rrule(f"FREQ=WEEKLY;BYDAY=MO;{keyword.lower()}=1")
    assert caught.value.field == "recurrence"  # the default field


def test_huge_input_is_rejected_without_echoing_it() -> None:
    with pytest.raises(BadUserInput) as caught:
        parse_rrule("FREQ=WEEKLY;BYDAY=MO;" + "X" * 10_000)
    assert len(caught.value.message) < 200


@PROPERTY
@given(rule=rules(), prefix=st.sampled_from(["", "RRULE:", "rrule:"]), lower=st.booleans())
def test_parse_round_trip(rule: RecurrenceRule, prefix: str, lower: bool) -> None:
    text = prefix + rule.to_rrule()
    assert parse_rrule(text.lower() if lower else text) == rule
    assert parse_rrule(text).to_rrule() == rule.to_rrule()


def test_rule_normalises_and_validates() -> None:
    sydney = ZoneInfo("Australia/Sydney")
    rule = RecurrenceRule(by_day=("SU", "MO"), until=datetime(2024, 1, 2, 9, 0, 0, 999_999, tzinfo=sydney))
    assert rule.by_day == ("MO", "SU")
    assert rule.until == utc(2024, 1, 1, 22)
    assert rule.until is not None and rule.until.tzinfo is UTC
    for bad in (
        {"by_day": ()},
        {"by_day": ("XX",)},
        {"by_day": ("MO",), "interval": 0},
        {"by_day": ("MO",), "interval": True},
        {"by_day": ("MO",), "until": datetime(2024, 1, 1)},
    ):
        with pytest.raises(ValueError):
            RecurrenceRule(**bad)


# --- to_utc -----------------------------------------------------------------------------------------


def test_to_utc_gap_and_overlap_resolve_as_fold_0() -> None:
    assert to_utc(datetime(2024, 3, 10, 2, 30), NY) == utc(2024, 3, 10, 7, 30)  # gap: EST offset
    assert to_utc(datetime(2024, 11, 3, 1, 30), NY) == utc(2024, 11, 3, 5, 30)  # overlap: first (EDT)
    assert to_utc(datetime(2024, 7, 1, 9), ZoneInfo("Asia/Kolkata")) == utc(2024, 7, 1, 3, 30)
    with pytest.raises(ValueError):
        to_utc(datetime(2024, 7, 1, 9, tzinfo=UTC), NY)


# --- occurrences: properties ------------------------------------------------------------------------


@PROPERTY
@given(case=series_and_window())
def test_occurrences_match_day_by_day_enumeration(
    case: tuple[RecurrenceRule, datetime, ZoneInfo, datetime, datetime],
) -> None:
    rule, first_start, zone, window_from, window_to = case
    got = list(occurrences(rule, first_start, zone, window_from, window_to))
    assert got == naive_occurrences(rule, first_start, zone, window_from, window_to)
    assert got == sorted(got)


@settings(max_examples=30, deadline=None)
@given(case=series_and_window(offset_days=(30 * 365, 31 * 365)))
def test_far_future_window_matches_enumeration(
    case: tuple[RecurrenceRule, datetime, ZoneInfo, datetime, datetime],
) -> None:
    rule, first_start, zone, window_from, _ = case
    rule = RecurrenceRule(interval=rule.interval, by_day=rule.by_day)  # unbounded series
    window_to = window_from + timedelta(days=60)
    got = list(occurrences(rule, first_start, zone, window_from, window_to))
    assert got == naive_occurrences(rule, first_start, zone, window_from, window_to)
    assert got  # 60 days always hold an on-grid week (interval <= 4 ... every 28 days)


def test_far_future_explicit() -> None:
    # First occurrence on a Wednesday, BYDAY has earlier days: the first week is partial, later ones not.
    rule = RecurrenceRule(interval=3, by_day=("MO", "WE", "SA"))
    first = datetime(2024, 1, 3, 9, 0)  # Wednesday, week 0
    got = list(occurrences(rule, first, NY, utc(2054, 1, 1), utc(2054, 2, 1)))
    assert got == naive_occurrences(rule, first, NY, utc(2054, 1, 1), utc(2054, 2, 1))
    assert got == [datetime(2054, 1, d, 9) for d in (5, 7, 10, 26, 28, 31)]
    # Very far: would take many seconds if expanded from the first occurrence.
    far = list(occurrences(rule, first, NY, utc(9000, 6, 1), utc(9000, 7, 1)))
    assert far == [datetime(9000, 6, 16, 9), datetime(9000, 6, 18, 9), datetime(9000, 6, 21, 9)]
    assert all(is_occurrence(rule, first, NY, d.date()) == d for d in far)


def test_first_week_only_contains_days_from_first_start() -> None:
    rule = RecurrenceRule(interval=2, by_day=("MO", "WE", "FR"))
    first = datetime(2024, 1, 3, 18, 30)  # Wednesday; Monday Jan 1 is before the series
    got = list(occurrences(rule, first, UTC_ZONE, utc(2023, 12, 1), utc(2024, 2, 1)))
    expected_days = [(1, 3), (1, 5), (1, 15), (1, 17), (1, 19), (1, 29), (1, 31)]
    assert got == [datetime(2024, m, d, 18, 30) for m, d in expected_days]


def test_first_start_off_byday_is_not_an_occurrence() -> None:
    rule = RecurrenceRule(by_day=("TU",))
    first = datetime(2024, 1, 3, 9)  # Wednesday, not in BYDAY
    got = list(occurrences(rule, first, UTC_ZONE, utc(2024, 1, 1), utc(2024, 1, 20)))
    assert got == [datetime(2024, 1, 9, 9), datetime(2024, 1, 16, 9)]
    assert is_occurrence(rule, first, UTC_ZONE, date(2024, 1, 3)) is None


def test_window_bounds_are_half_open_on_utc_instants() -> None:
    rule = RecurrenceRule(by_day=("MO",))
    first = datetime(2024, 1, 1, 9)
    sydney = ZoneInfo("Australia/Sydney")  # 09:00 AEDT on Monday = 22:00Z on Sunday
    inst = to_utc(datetime(2024, 1, 8, 9), sydney)
    assert inst == utc(2024, 1, 7, 22)
    assert list(occurrences(rule, first, sydney, inst, inst + timedelta(seconds=1))) == [
        datetime(2024, 1, 8, 9)
    ]
    assert list(occurrences(rule, first, sydney, inst - timedelta(days=1), inst)) == []
    assert list(occurrences(rule, first, sydney, inst, inst)) == []
    assert list(occurrences(rule, first, sydney, inst + timedelta(hours=1), inst)) == []


def test_extreme_windows() -> None:
    rule = RecurrenceRule(interval=2, by_day=("TU",), until=utc(2024, 2, 28))
    first = datetime(2024, 1, 2, 9)
    lo, hi = datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC)
    got = list(occurrences(rule, first, NY, lo, hi))
    assert got == [datetime(2024, m, d, 9) for m, d in ((1, 2), (1, 16), (1, 30), (2, 13), (2, 27))]
    assert list(occurrences(rule, first, ZoneInfo("Australia/Sydney"), hi - timedelta(hours=1), hi)) == []
    unbounded = RecurrenceRule(by_day=("FR",))
    end = list(occurrences(unbounded, datetime(9999, 12, 1, 20), NY, utc(9999, 12, 20), hi))
    assert end == [datetime(9999, 12, 24, 20)]  # Dec 31 20:00 EST is past year 9999 in UTC
    with pytest.raises(ValueError):
        list(occurrences(rule, first, NY, datetime(2024, 1, 1), hi))
    with pytest.raises(ValueError):
        list(occurrences(rule, first.replace(tzinfo=UTC), NY, lo, hi))


# --- occurrences: DST -------------------------------------------------------------------------------

# Sundays at 09:00 local in 2024, starting the Sunday before a transition; the transition day itself is
# the second occurrence (the switch happens at night, before 09:00). Offsets are UTC offsets in hours
# before and after, so the expected instants are plain arithmetic, independent of zoneinfo.
DST_CASES = [
    ("America/New_York", date(2024, 3, 3), -5, -4),  # Mar 3 14:00Z, Mar 10 13:00Z
    ("America/New_York", date(2024, 10, 27), -4, -5),  # Oct 27 13:00Z, Nov 3 14:00Z
    ("Europe/London", date(2024, 3, 24), 0, 1),  # Mar 24 09:00Z, Mar 31 08:00Z
    ("Europe/London", date(2024, 10, 20), 1, 0),  # Oct 20 08:00Z, Oct 27 09:00Z
    ("Australia/Sydney", date(2024, 3, 31), 11, 10),  # southern hemisphere: DST ends Apr 7
    ("Australia/Sydney", date(2024, 9, 29), 10, 11),  # ... and starts Oct 6
    ("Asia/Kolkata", date(2024, 3, 3), 5.5, 5.5),  # no DST: always 03:30Z
    ("Asia/Kolkata", date(2024, 10, 27), 5.5, 5.5),
]


@pytest.mark.parametrize(("zone_name", "first_day", "before", "after"), DST_CASES)
def test_weekly_keeps_local_time_across_dst(
    zone_name: str, first_day: date, before: float, after: float
) -> None:
    zone = ZoneInfo(zone_name)
    first = datetime.combine(first_day, time(9, 0))
    got = list(occurrences(RecurrenceRule(by_day=("SU",)), first, zone, utc(2024, 1, 1), utc(2025, 1, 1)))
    assert got[:2] == [first, first + timedelta(days=7)]
    assert len(got) == 52 - (first_day - date(2024, 1, 7)).days // 7  # 52 Sundays in 2024
    assert all(local.time() == time(9, 0) for local in got)
    wall = first.replace(tzinfo=UTC)
    assert to_utc(got[0], zone) == wall - timedelta(hours=before)
    assert to_utc(got[1], zone) == wall + timedelta(days=7) - timedelta(hours=after)


def test_dst_exact_instants_spelled_out() -> None:
    sydney = ZoneInfo("Australia/Sydney")
    got = list(
        occurrences(
            RecurrenceRule(by_day=("SU",)), datetime(2024, 3, 31, 9), sydney, utc(2024, 3, 1), utc(2024, 4, 8)
        )
    )
    assert [to_utc(x, sydney) for x in got] == [utc(2024, 3, 30, 22), utc(2024, 4, 6, 23)]
    got = list(
        occurrences(
            RecurrenceRule(by_day=("SU",)), datetime(2024, 3, 3, 9), NY, utc(2024, 3, 1), utc(2024, 3, 11)
        )
    )
    assert [to_utc(x, NY) for x in got] == [utc(2024, 3, 3, 14), utc(2024, 3, 10, 13)]


def test_spring_forward_gap_occurrence_resolves_as_fold_0() -> None:
    rule = RecurrenceRule(by_day=("SU",))
    first = datetime(2024, 3, 3, 2, 30)  # 02:30 does not exist on Mar 10 in New York
    got = list(occurrences(rule, first, NY, utc(2024, 3, 1), utc(2024, 3, 20)))
    assert got == [datetime(2024, 3, d, 2, 30) for d in (3, 10, 17)]  # local wall time is kept
    assert [to_utc(x, NY) for x in got] == [
        utc(2024, 3, 3, 7, 30),
        utc(2024, 3, 10, 7, 30),
        utc(2024, 3, 17, 6, 30),
    ]
    gap = utc(2024, 3, 10, 7, 30)  # the gap occurrence is found by its fold=0 instant
    assert list(occurrences(rule, first, NY, gap, gap + timedelta(seconds=1))) == [
        datetime(2024, 3, 10, 2, 30)
    ]
    assert is_occurrence(rule, first, NY, date(2024, 3, 10)) == datetime(2024, 3, 10, 2, 30)


def test_fall_back_overlap_occurrence_takes_first_instant() -> None:
    rule = RecurrenceRule(by_day=("SU",))
    got = list(occurrences(rule, datetime(2024, 10, 27, 1, 30), NY, utc(2024, 11, 3), utc(2024, 11, 4)))
    assert got == [datetime(2024, 11, 3, 1, 30)]
    assert to_utc(got[0], NY) == utc(2024, 11, 3, 5, 30)  # EDT, the first 01:30


# --- UNTIL and INTERVAL -----------------------------------------------------------------------------


def test_reference_rule_interval_2_until_exact_dates() -> None:
    rule = parse_rrule("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;UNTIL=20220107T080000Z")
    got = list(occurrences(rule, datetime(2021, 11, 1, 8), UTC_ZONE, utc(2021, 1, 1), utc(2023, 1, 1)))
    expected = [(11, 1), (11, 15), (11, 29), (12, 13), (12, 27)]  # Jan 10 is after UNTIL (Fri Jan 7)
    assert got == [datetime(2021, m, d, 8) for m, d in expected]


def test_until_is_inclusive_on_the_utc_instant() -> None:
    first = datetime(2024, 3, 4, 9)  # Mondays 09:00 New York
    last = to_utc(datetime(2024, 3, 18, 9), NY)  # 13:00Z (EDT)
    window = (utc(2024, 1, 1), utc(2025, 1, 1))
    inclusive = RecurrenceRule(by_day=("MO",), until=last)
    assert list(occurrences(inclusive, first, NY, *window))[-1] == datetime(2024, 3, 18, 9)
    assert is_occurrence(inclusive, first, NY, date(2024, 3, 18)) == datetime(2024, 3, 18, 9)
    exclusive = RecurrenceRule(by_day=("MO",), until=last - timedelta(seconds=1))
    assert list(occurrences(exclusive, first, NY, *window))[-1] == datetime(2024, 3, 11, 9)
    assert is_occurrence(exclusive, first, NY, date(2024, 3, 18)) is None
    assert list(occurrences(exclusive, first, NY, utc(2024, 3, 18), utc(2024, 3, 19))) == []


# --- is_occurrence ----------------------------------------------------------------------------------


def test_is_occurrence_examples() -> None:
    rule = RecurrenceRule(interval=2, by_day=("MO", "TH"))
    first = datetime(2024, 1, 4, 7, 45)  # Thursday
    assert is_occurrence(rule, first, NY, date(2024, 1, 4)) == first
    assert is_occurrence(rule, first, NY, date(2024, 1, 1)) is None  # before the first occurrence
    assert is_occurrence(rule, first, NY, date(2023, 12, 21)) is None
    assert is_occurrence(rule, first, NY, date(2024, 1, 8)) is None  # off-grid week
    assert is_occurrence(rule, first, NY, date(2024, 1, 15)) == datetime(2024, 1, 15, 7, 45)
    assert is_occurrence(rule, first, NY, date(2024, 1, 16)) is None  # weekday not in BYDAY
    assert is_occurrence(rule, first, NY, date(2084, 1, 3)) is None  # Monday, odd week
    assert is_occurrence(rule, first, NY, date(2084, 1, 10)) == datetime(2084, 1, 10, 7, 45)


@PROPERTY
@given(case=series_and_window())
def test_is_occurrence_agrees_with_occurrences(
    case: tuple[RecurrenceRule, datetime, ZoneInfo, datetime, datetime],
) -> None:
    rule, first_start, zone, _, _ = case
    start = to_utc(first_start, zone)
    listed = {
        x.date(): x
        for x in occurrences(rule, first_start, zone, start - timedelta(days=3), start + timedelta(days=100))
    }
    for offset in range(-3, 97):
        day = first_start.date() + timedelta(days=offset)
        assert is_occurrence(rule, first_start, zone, day) == listed.get(day)


# --- instance ids -----------------------------------------------------------------------------------

URL_SAFE = re.compile(r"[A-Za-z0-9_-]+")
series_ids = st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.~", min_size=1, max_size=40
)


@PROPERTY
@given(series_id=series_ids, day=st.dates())
def test_instance_id_round_trip(series_id: str, day: date) -> None:
    iid = instance_id(series_id, day)
    assert URL_SAFE.fullmatch(iid)
    assert iid == instance_id(series_id, day)  # deterministic
    assert parse_instance_id(iid) == (series_id, day)
    assert (
        instance_id(series_id, day + timedelta(days=1) if day < date.max else day - timedelta(days=1)) != iid
    )


@PROPERTY
@given(text=st.text(max_size=80))
def test_parse_instance_id_never_raises(text: str) -> None:
    parsed = parse_instance_id(text)
    assert parsed is None or instance_id(*parsed) == text


def test_instance_id_is_opaque_and_garbage_is_none() -> None:
    iid = instance_id("65f1c2a9e4b0a1b2c3d4e5f6", date(2024, 3, 10))
    assert iid.startswith("i_") and "2024" not in iid and "65f1" not in iid
    assert parse_instance_id(iid) == ("65f1c2a9e4b0a1b2c3d4e5f6", date(2024, 3, 10))

    def enc(raw: bytes) -> str:
        return "i_" + base64.urlsafe_b64encode(raw).decode().rstrip("=")

    garbage = [
        "",
        "i_",
        "i_!!!!",
        "65f1c2a9e4b0a1b2c3d4e5f6",
        "I_" + iid[2:],
        "x_" + iid[2:],
        iid + "=",
        iid + "A",
        iid[:-1],
        " " + iid,
        enc(b"abc"),
        enc(b"abc|2024-03-10"),
        enc(b"abc|20241310"),
        enc(b"abc|2024031"),
        enc(b"|20240310"),
        enc(b"a|b|20240310"),
        enc(b"abc|\xff\xfe0240310"),
        enc(b"\xff\xfe|20240310"),
        "i_" + "A" * 5000,
    ]
    for text in garbage:
        assert parse_instance_id(text) is None, text
    assert parse_instance_id(123) is None  # type: ignore[arg-type]


def test_non_canonical_base64_is_rejected() -> None:
    # Same decoded bytes, different unused trailing bits: only the canonical spelling is an id.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    checked = 0
    for series_id in ("a", "ab", "abc"):
        iid = instance_id(series_id, date(2024, 1, 1))
        if (len(iid) - 2) % 4 == 0:  # no unused bits to play with
            continue
        twin = iid[:-1] + alphabet[alphabet.index(iid[-1]) + 1]
        assert base64.urlsafe_b64decode(twin[2:] + "==") == base64.urlsafe_b64decode(iid[2:] + "==")
        assert parse_instance_id(iid) == (series_id, date(2024, 1, 1))
        assert parse_instance_id(twin) is None
        checked += 1
    assert checked == 2


def test_instance_id_rejects_bad_series_ids() -> None:
    for bad in ("", "a|b"):
        with pytest.raises(ValueError):
            instance_id(bad, date(2024, 1, 1))
