"""Every supported rule shape against raw `dateutil`: expansion, `is_occurrence`, parsing, refusals.

The oracle is `dateutil.rrule.rrulestr` given our canonical text (minus UNTIL, which RFC 5545 makes a
UTC instant while expansion runs on naive local wall times), iterated from the series' first start, with
UTC instants taken by `zoneinfo` (fold=0). Ours re-anchors near the window and fills dateutil's
dtstart-derived defaults explicitly, which is exactly what these properties check.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookings_sessions.domain.errors import BadUserInput
from bookings_sessions.domain.recurrence import (
    DAYS,
    RecurrenceRule,
    check_has_occurrence,
    first_occurrence,
    is_occurrence,
    local_last,
    occurrences,
    parse_rrule,
)

# London, New York, Sydney (DST both hemispheres), Kathmandu (+05:45, none), Havana (DST gap at 00:00).
ZONE_NAMES = ["Europe/London", "America/New_York", "Australia/Sydney", "Asia/Kathmandu", "America/Havana"]
PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def instant(local: datetime, zone: ZoneInfo) -> datetime:
    return local.replace(tzinfo=zone, fold=0).astimezone(UTC)


def raw(
    rule: RecurrenceRule, first: datetime, zone: ZoneInfo, window_from: datetime, window_to: datetime
) -> list[datetime]:
    """Raw dateutil from the first start, stopping past the window's end (or the COUNT)."""
    text = ";".join(part for part in rule.to_rrule().split(";") if not part.startswith("UNTIL="))
    out: list[datetime] = []
    for local in rrulestr(text, dtstart=first):
        at = instant(local, zone)
        if at >= window_to + timedelta(days=2) or (rule.until is not None and at > rule.until):
            break
        if window_from <= at < window_to:
            out.append(local)
    return out


# --- strategies: rules of every shape ---------------------------------------------------------------

plain_days = st.sets(st.sampled_from(DAYS), min_size=1, max_size=4).map(sorted)


@st.composite
def rule_shapes(draw: st.DrawFn, near: datetime) -> RecurrenceRule:
    """Rules that always have occurrences (no Feb 30), so the raw oracle never searches to year 9999."""
    freq = draw(st.sampled_from(["DAILY", "WEEKLY", "MONTHLY", "YEARLY"]))
    by_day: list[str] = []
    month_days: list[int] = []
    months: list[int] = []
    set_pos: list[int] = []
    days_of_month = st.one_of(st.integers(1, 28), st.integers(-28, -1))
    if freq == "DAILY":
        if draw(st.booleans()):
            by_day = draw(plain_days)
        if draw(st.booleans()):
            months = draw(st.lists(st.integers(1, 12), min_size=1, max_size=3))
        if not by_day and draw(st.booleans()):
            month_days = draw(st.lists(days_of_month, min_size=1, max_size=3))
    elif freq == "WEEKLY":
        by_day = draw(plain_days)
        if draw(st.booleans()):
            set_pos = [draw(st.sampled_from([1, -1, len(by_day)]))]
    elif freq == "MONTHLY":
        shape = draw(st.sampled_from(["default", "monthday", "ordinal", "setpos"]))
        if shape == "monthday":
            month_days = draw(
                st.lists(
                    st.one_of(days_of_month, st.integers(29, 31), st.integers(-31, -29)),
                    min_size=1,
                    max_size=3,
                )
            )
        elif shape == "ordinal":
            by_day = [f"{draw(st.sampled_from([1, 2, 3, 4, -1, -2]))}{d}" for d in draw(plain_days)[:2]]
        elif shape == "setpos":
            by_day = draw(plain_days)
            set_pos = draw(st.lists(st.sampled_from([1, 2, -1, -2]), min_size=1, max_size=2))
        if shape != "monthday" and draw(st.booleans()):
            months = draw(st.lists(st.integers(1, 12), min_size=1, max_size=4))
    else:
        shape = draw(st.sampled_from(["default", "monthday", "month_ordinal", "year_ordinal"]))
        if shape in ("monthday", "month_ordinal") or draw(st.booleans()):
            months = draw(st.lists(st.integers(1, 12), min_size=1, max_size=3))
        if shape == "monthday":
            month_days = draw(st.lists(days_of_month, min_size=1, max_size=2))
        elif shape == "month_ordinal":
            by_day = [f"{draw(st.sampled_from([1, 2, 4, -1]))}{draw(st.sampled_from(DAYS))}"]
        elif shape == "year_ordinal" and not months:
            by_day = [f"{draw(st.sampled_from([1, 10, 20, 52, -1, -52]))}{draw(st.sampled_from(DAYS))}"]
    interval = draw(st.integers(1, 3 if freq == "YEARLY" else 4))
    end = draw(st.sampled_from(["none", "count", "until"]))
    count = draw(st.integers(1, 40)) if end == "count" else None
    until = (
        near + timedelta(days=draw(st.integers(-3, 700)), seconds=draw(st.integers(0, 86_399)))
        if end == "until"
        else None
    )
    return RecurrenceRule(
        freq=freq,
        interval=interval,
        by_day=tuple(by_day),
        by_month_day=tuple(month_days),
        by_month=tuple(months),
        by_set_pos=tuple(set_pos),
        count=count,
        until=until,
    )


@st.composite
def cases(draw: st.DrawFn) -> tuple[RecurrenceRule, datetime, ZoneInfo, datetime, datetime]:
    zone = ZoneInfo(draw(st.sampled_from(ZONE_NAMES)))
    day = draw(st.dates(date(2000, 1, 1), date(2040, 12, 31)))
    # Hours 0..3 are over-represented: that is where DST gaps and overlaps live.
    hour = draw(st.one_of(st.integers(0, 3), st.integers(0, 23)))
    first = datetime.combine(day, time(hour, draw(st.sampled_from([0, 30, 45]))))
    anchor = instant(first, zone)
    rule = draw(rule_shapes(anchor))
    window_from = anchor + timedelta(days=draw(st.integers(-30, 3000)), minutes=draw(st.integers(-720, 720)))
    window_to = window_from + timedelta(days=draw(st.integers(0, 366)))
    return rule, first, zone, window_from, window_to


# --- properties -------------------------------------------------------------------------------------


@PROPERTY
@given(case=cases())
def test_expansion_matches_raw_dateutil(
    case: tuple[RecurrenceRule, datetime, ZoneInfo, datetime, datetime],
) -> None:
    rule, first, zone, window_from, window_to = case
    assert list(occurrences(rule, first, zone, window_from, window_to)) == raw(
        rule, first, zone, window_from, window_to
    )


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases())
def test_is_occurrence_matches_raw_dateutil(
    case: tuple[RecurrenceRule, datetime, ZoneInfo, datetime, datetime],
) -> None:
    rule, first, zone, window_from, _ = case
    listed = {
        x.date(): x
        for x in raw(rule, first, zone, window_from - timedelta(days=3), window_from + timedelta(days=70))
    }
    local_from = window_from.astimezone(zone).date()
    for offset in range(0, 40):
        day = local_from + timedelta(days=offset)
        assert is_occurrence(rule, first, zone, day) == listed.get(day), day


@PROPERTY
@given(case=cases(), prefix=st.sampled_from(["", "RRULE:", "rrule:"]), lower=st.booleans())
def test_canonical_text_round_trips(
    case: tuple[RecurrenceRule, datetime, ZoneInfo, datetime, datetime], prefix: str, lower: bool
) -> None:
    rule = case[0]
    text = prefix + rule.to_rrule()
    assert parse_rrule(text.lower() if lower else text) == rule
    assert parse_rrule(text).to_rrule() == rule.to_rrule()


# --- examples ---------------------------------------------------------------------------------------


def test_first_saturday_of_every_month_six_times() -> None:
    london = ZoneInfo("Europe/London")
    rule = parse_rrule("FREQ=MONTHLY;BYDAY=1SA;COUNT=6")
    got = list(occurrences(rule, datetime(2030, 1, 5, 10), london, utc(2030, 1, 1), utc(2031, 1, 1)))
    assert [x.date() for x in got] == [
        date(2030, m, d) for m, d in ((1, 5), (2, 2), (3, 2), (4, 6), (5, 4), (6, 1))
    ]
    assert local_last(rule, datetime(2030, 1, 5, 10)) == datetime(2030, 6, 1, 10)
    assert is_occurrence(rule, datetime(2030, 1, 5, 10), london, date(2030, 7, 6)) is None  # 7th: past COUNT


def test_every_other_day_and_last_friday_and_negative_monthday() -> None:
    ny = ZoneInfo("America/New_York")
    every_other = parse_rrule("FREQ=DAILY;INTERVAL=2")
    got = list(occurrences(every_other, datetime(2030, 3, 8, 18), ny, utc(2030, 3, 8), utc(2030, 3, 15)))
    assert [x.day for x in got] == [8, 10, 12, 14]  # 18:00 local across the Mar 10 switch
    last_friday = parse_rrule("FREQ=MONTHLY;BYDAY=-1FR")
    got = list(occurrences(last_friday, datetime(2030, 1, 25, 9), ny, utc(2030, 1, 1), utc(2030, 4, 1)))
    assert [x.date() for x in got] == [date(2030, 1, 25), date(2030, 2, 22), date(2030, 3, 29)]
    month_end = parse_rrule("FREQ=MONTHLY;BYMONTHDAY=-1")
    got = list(occurrences(month_end, datetime(2030, 1, 31, 9), ny, utc(2030, 1, 1), utc(2030, 4, 1)))
    assert [x.date() for x in got] == [date(2030, 1, 31), date(2030, 2, 28), date(2030, 3, 31)]
    last_workday = parse_rrule("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1")
    got = list(occurrences(last_workday, datetime(2030, 1, 31, 9), ny, utc(2030, 1, 1), utc(2030, 4, 1)))
    assert [x.date() for x in got] == [date(2030, 1, 31), date(2030, 2, 28), date(2030, 3, 29)]


def test_dst_gap_hour_keeps_wall_time_and_resolves_as_fold_0() -> None:
    ny = ZoneInfo("America/New_York")
    rule = parse_rrule("FREQ=DAILY")
    got = list(occurrences(rule, datetime(2030, 3, 9, 2, 30), ny, utc(2030, 3, 9), utc(2030, 3, 12)))
    assert got == [datetime(2030, 3, d, 2, 30) for d in (9, 10, 11)]
    assert [instant(x, ny) for x in got] == [
        utc(2030, 3, 9, 7, 30),
        utc(2030, 3, 10, 7, 30),
        utc(2030, 3, 11, 6, 30),
    ]


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("FREQ=HOURLY", "HOURLY"),
        ("FREQ=MINUTELY", "MINUTELY"),
        ("FREQ=DAILY;BYHOUR=9", "BYHOUR"),
        ("FREQ=MONTHLY;BYDAY=1MO;COUNT=3;UNTIL=20300101T000000Z", "COUNT and UNTIL"),
        ("FREQ=DAILY;COUNT=0", "COUNT"),
        ("FREQ=DAILY;COUNT=1001", "COUNT"),
        ("FREQ=WEEKLY;BYDAY=MO;BYMONTHDAY=1", "BYMONTHDAY"),
        ("FREQ=MONTHLY;BYMONTHDAY=32", "BYMONTHDAY"),
        ("FREQ=MONTHLY;BYMONTHDAY=0", "BYMONTHDAY"),
        ("FREQ=MONTHLY;BYDAY=6MO", "6MO"),
        ("FREQ=DAILY;BYDAY=1MO", "1MO"),
        ("FREQ=YEARLY;BYDAY=54MO", "54MO"),
        ("FREQ=YEARLY;BYMONTH=8;BYDAY=6FR", "6FR"),  # within a month: dateutil failed with IndexError
        ("FREQ=YEARLY;BYMONTH=13", "BYMONTH"),
        ("FREQ=YEARLY;BYMONTH=-1", "BYMONTH"),
        ("FREQ=MONTHLY;BYSETPOS=1", "BYSETPOS"),
        ("FREQ=MONTHLY;BYDAY=MO;BYSETPOS=0", "BYSETPOS"),
    ],
)
def test_refused_rules_name_the_part(text: str, named: str) -> None:
    with pytest.raises(BadUserInput) as caught:
        parse_rrule(text)
    assert named in caught.value.message
    assert caught.value.field == "recurrence"


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "BYMONTH=2;BYMONTHDAY=30"),
        ("FREQ=DAILY;BYMONTH=4;BYMONTHDAY=31", "BYMONTH=4;BYMONTHDAY=31"),
        ("FREQ=WEEKLY;BYDAY=MO;UNTIL=20291231T000000Z", "UNTIL=20291231T000000Z"),
        ("FREQ=MONTHLY;BYDAY=1MO;BYMONTHDAY=15", "BYMONTHDAY=15;BYDAY=1MO"),
    ],
)
def test_rules_without_occurrence_name_the_part(text: str, named: str) -> None:
    with pytest.raises(BadUserInput) as caught:
        check_has_occurrence(parse_rrule(text), datetime(2030, 1, 1, 9), ZoneInfo("Europe/London"))
    assert named in caught.value.message
    assert caught.value.field == "recurrence"
    check_has_occurrence(
        parse_rrule("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29"), datetime(2030, 1, 1, 9), ZoneInfo("UTC")
    )


@pytest.mark.parametrize(
    ("text", "first"),
    [
        # The BY parts are searched year by year first: without a day part, any day of the month.
        ("FREQ=DAILY;BYMONTH=2", datetime(2031, 2, 1, 9)),
        ("FREQ=DAILY;INTERVAL=3;BYMONTH=2", datetime(2031, 2, 3, 9)),
        ("FREQ=WEEKLY;BYDAY=MO;BYMONTH=3", datetime(2031, 3, 3, 9)),
        ("FREQ=MONTHLY;BYDAY=5FR", datetime(2031, 1, 31, 9)),
        ("FREQ=MONTHLY;BYDAY=MO,TU;BYSETPOS=-1", datetime(2031, 2, 25, 9)),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO", datetime(2044, 2, 29, 9)),
        ("FREQ=DAILY;INTERVAL=2;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO", datetime(2072, 2, 29, 9)),
    ],
)
def test_the_first_occurrence_of_sparse_rules(text: str, first: datetime) -> None:
    rule = parse_rrule(text)
    start = datetime(2031, 1, 31, 9)
    expected = next(iter(rrulestr(rule.to_rrule(), dtstart=start)))

    assert first_occurrence(rule, start, ZoneInfo("Europe/London")) == expected == first


def test_canonical_spelling() -> None:
    assert (
        parse_rrule("byday=-1fr,1sa;freq=monthly;count=6").to_rrule()
        == "FREQ=MONTHLY;INTERVAL=1;BYDAY=-1FR,1SA;COUNT=6"
    )
    assert (
        parse_rrule("FREQ=YEARLY;BYMONTHDAY=-1,1,1;BYMONTH=12,3").to_rrule()
        == "FREQ=YEARLY;INTERVAL=1;BYMONTH=3,12;BYMONTHDAY=-1,1"
    )
    assert parse_rrule("FREQ=MONTHLY;BYDAY=+2TU").to_rrule() == "FREQ=MONTHLY;INTERVAL=1;BYDAY=2TU"
