"""EXDATE and RDATE lines in `recurrence`: parsing, canonical spelling, and expansion checked against
dateutil's own `rruleset` (read from the rule's text by `rrulestr`, not through our expansion)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rruleset, rrulestr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookings_sessions.domain.errors import BadUserInput
from bookings_sessions.domain.recurrence import (
    is_occurrence,
    last_start,
    local_last,
    occurrences,
    parse_rrule,
    with_local_dates,
)
from bookings_sessions.domain.timezones import to_utc

LONDON = ZoneInfo("Europe/London")
FAR_PAST = datetime(1900, 1, 2, tzinfo=UTC)
FAR_FUTURE = datetime(2999, 1, 1, tzinfo=UTC)
PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
RULES = [
    "FREQ=DAILY;INTERVAL=3",
    "FREQ=WEEKLY;BYDAY=MO,TH",
    "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU",
    "FREQ=MONTHLY;BYDAY=1SA",
    "FREQ=MONTHLY;BYMONTHDAY=-1",
    "FREQ=YEARLY;BYMONTH=5;BYDAY=2SU",
]


def all_of(text: str, first: datetime, zone: ZoneInfo = LONDON) -> list[datetime]:
    rule = with_local_dates(parse_rrule(text), first, zone.key)
    return list(occurrences(rule, first, zone, FAR_PAST, FAR_FUTURE))


def test_canonical_spelling_and_round_trip() -> None:
    text = (
        "RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=5\n"
        "EXDATE;TZID=America/New_York:20300114T100000\n"
        "RDATE:20300123T150000Z,20300116T100000"
    )
    first = datetime(2030, 1, 7, 15)
    rule = with_local_dates(parse_rrule(text), first, "Europe/London")
    assert rule.to_rrule() == (
        "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=MO;COUNT=5\n"
        "EXDATE;TZID=Europe/London:20300114T150000\n"
        "RDATE;TZID=Europe/London:20300116T100000,20300123T150000"
    )
    assert parse_rrule(rule.to_rrule()) == rule
    # Without EXDATE/RDATE the spelling is the plain RRULE, as before.
    assert with_local_dates(parse_rrule("RRULE:FREQ=WEEKLY;BYDAY=MO"), first, "UTC").to_rrule() == (
        "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO"
    )


def test_count_counts_excluded_occurrences_and_not_added_ones() -> None:
    # RFC 5545: COUNT bounds the RRULE's set; EXDATE takes from it, RDATE adds to it.
    text = "FREQ=WEEKLY;BYDAY=MO;COUNT=3\nEXDATE;VALUE=DATE:20300114\nRDATE:20300301T090000"
    assert all_of(text, datetime(2030, 1, 7, 9)) == [
        datetime(2030, 1, 7, 9),
        datetime(2030, 1, 21, 9),
        datetime(2030, 3, 1, 9),
    ]


def test_is_occurrence_and_last_start_honour_the_lines() -> None:
    first = datetime(2030, 1, 7, 9)
    text = "FREQ=WEEKLY;BYDAY=MO;UNTIL=20300201T000000Z\nEXDATE:20300114T090000\nRDATE:20300601T120000"
    rule = with_local_dates(parse_rrule(text), first, "Europe/London")
    assert is_occurrence(rule, first, LONDON, date(2030, 1, 14)) is None
    assert is_occurrence(rule, first, LONDON, date(2030, 1, 21)) == datetime(2030, 1, 21, 9)
    assert is_occurrence(rule, first, LONDON, date(2030, 6, 1)) == datetime(2030, 6, 1, 12)
    assert last_start(rule, first, LONDON) == datetime(2030, 6, 1, 11, tzinfo=UTC)
    assert local_last(rule, first) is None


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("FREQ=WEEKLY;BYDAY=MO\nEXDATE:20300107T090000", "first occurrence"),
        ("FREQ=WEEKLY;BYDAY=MO\nRDATE:20300101T090000", "before the series' start"),
        ("FREQ=WEEKLY;BYDAY=MO\nRDATE:20300114T120000", "at most one occurrence a day"),
        ("FREQ=WEEKLY;BYDAY=MO\nRDATE;VALUE=PERIOD:20300115T090000/PT1H", "VALUE=PERIOD"),
        ("FREQ=WEEKLY;BYDAY=MO\nEXDATE;TZID=Mars/Base:20300114T090000", "Mars/Base"),
        ("FREQ=WEEKLY;BYDAY=MO\nEXDATE:2030-01-14", "invalid EXDATE value"),
        ("FREQ=WEEKLY;BYDAY=MO\nEXDATE:18990114T090000", "outside"),
        ("FREQ=WEEKLY;BYDAY=MO\nEXDATE;TZID=UTC:20300114T090000Z", "invalid EXDATE value"),
        ("EXDATE:20300114T090000", "an RRULE line is required"),
        ("FREQ=WEEKLY;BYDAY=MO\nDTSTART:20300107T090000", "DTSTART"),
        ("FREQ=WEEKLY;BYDAY=MO;EXDATE=20300114T090000", "line of its own"),
        ("FREQ=WEEKLY;BYDAY=MO\nEXDATE:" + ",".join(["20300114T090000"] * 1001), "at most 1000"),
    ],
)
def test_bad_lines_are_refused_by_name(text: str, named: str) -> None:
    with pytest.raises(BadUserInput) as caught:
        with_local_dates(parse_rrule(text), datetime(2030, 1, 7, 9), "Europe/London")
    assert named in str(caught.value)
    assert caught.value.field == "recurrence"


def test_exdate_without_occurrence_is_dropped_and_same_rdate_folded() -> None:
    first = datetime(2030, 1, 7, 9)
    text = "FREQ=WEEKLY;BYDAY=MO\nEXDATE:20300115T090000\nRDATE:20300114T090000"
    assert with_local_dates(parse_rrule(text), first, "UTC").to_rrule() == "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO"


@st.composite
def cases(draw: st.DrawFn) -> tuple[str, datetime, list[datetime], list[datetime]]:
    text = draw(st.sampled_from(RULES))
    if draw(st.booleans()):
        text += f";COUNT={draw(st.integers(1, 40))}"
    day = draw(st.dates(date(2020, 1, 1), date(2035, 12, 31)))
    first = datetime.combine(day, time(draw(st.integers(0, 23)), draw(st.sampled_from([0, 30]))))
    # The RRULE's own occurrences (dateutil, from the text), the first one as the series' start.
    expanded = rrulestr(text, dtstart=first, forceset=False, cache=False)
    produced = list(expanded.xafter(first, 60, inc=True))  # type: ignore[union-attr]
    first = produced[0]
    taken = draw(st.lists(st.sampled_from(produced[1:] or produced), max_size=6))
    exdates = [value for value in taken if value != first]
    offsets = draw(st.lists(st.integers(1, 3 * 365), max_size=6))
    hour = draw(st.integers(0, 23))
    rdates = [datetime.combine(first.date() + timedelta(days=n), time(hour)) for n in offsets]

    def busy(value: datetime) -> bool:
        midnight = datetime.combine(value.date(), time())
        return bool(expanded.between(midnight, midnight + timedelta(days=1), inc=True))  # type: ignore[union-attr]

    rdates = [value for value in rdates if not busy(value)]
    return text, first, exdates, rdates


@PROPERTY
@given(case=cases(), zone=st.sampled_from(["Europe/London", "America/New_York", "UTC"]))
def test_expansion_matches_dateutil_rruleset(
    case: tuple[str, datetime, list[datetime], list[datetime]], zone: str
) -> None:
    text, first, exdates, rdates = case
    stamp = "%Y%m%dT%H%M%S"
    lines = [text]
    if exdates:
        lines.append(f"EXDATE;TZID={zone}:" + ",".join(value.strftime(stamp) for value in exdates))
    if rdates:
        lines.append(f"RDATE;TZID={zone}:" + ",".join(value.strftime(stamp) for value in rdates))
    ours = all_of("\n".join(lines), first, ZoneInfo(zone))

    expected = rruleset(cache=False)
    expected.rrule(rrulestr(text, dtstart=first, cache=False))  # type: ignore[arg-type]
    for value in exdates:
        expected.exdate(value)
    for value in rdates:
        expected.rdate(value)
    horizon = to_utc(first, ZoneInfo(zone)) + timedelta(days=4 * 365)
    window = [value for value in ours if to_utc(value, ZoneInfo(zone)) < horizon]
    theirs = [value for value in expected.between(first, first + timedelta(days=4 * 365 + 2), inc=True)]
    theirs = [value for value in theirs if to_utc(value, ZoneInfo(zone)) < horizon]
    assert window == theirs
    rule = with_local_dates(parse_rrule("\n".join(lines)), first, zone)
    for value in theirs[:20]:
        assert is_occurrence(rule, first, ZoneInfo(zone), value.date()) == value
    for value in exdates:
        assert is_occurrence(rule, first, ZoneInfo(zone), value.date()) is None
