"""COUNT across history entries: a series update never adds or loses occurrences of a COUNT rule."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bookings_sessions.domain.commands import NewSession, SessionPatch
from bookings_sessions.domain.errors import BadUserInput
from bookings_sessions.domain.series import FAR_FUTURE, FAR_PAST, Series, instances_in_window
from bookings_sessions.domain.series_patch import new_series, plan_series_update
from bookings_sessions.domain.timezones import CalendarDateTimeIn
from tests.support.domain import calendar_time

CREATED = datetime(2029, 12, 1, tzinfo=UTC)


def wall(day: date, hour: int, minute: int = 0) -> CalendarDateTimeIn:
    return calendar_time(day, hour, minute, zone="Europe/London")


def make(rule: str, first: date) -> Series:
    command = NewSession(schedule_id="s", recurrence=rule, start=wall(first, 18), end=wall(first, 19))
    return new_series(command, session_id="c1", business_zone="UTC", now=CREATED)


def dates(series: Series) -> list[tuple[date, int, int]]:
    return [
        (s.start.local.date(), s.start.local.hour, s.start.local.minute)
        for s in instances_in_window(series, {}, FAR_PAST, FAR_FUTURE)
    ]


def update(series: Series, now: datetime, **given: object) -> Series:
    planned = plan_series_update(series, SessionPatch.from_given(given), business_zone="UTC", now=now)
    assert planned is not None
    return planned


def test_time_change_keeps_the_count() -> None:
    # First Saturday of the month, six times; after two, it moves to 18:30.
    series = make("FREQ=MONTHLY;BYDAY=1SA;COUNT=6", date(2030, 1, 5))
    assert len(dates(series)) == 6
    moved = update(series, datetime(2030, 2, 10, tzinfo=UTC), start=wall(date(2030, 1, 5), 18, 30))
    got = dates(moved)
    assert [d for d, _, _ in got] == [d for d, _, _ in dates(series)]
    assert [(h, m) for _, h, m in got] == [(18, 0)] * 2 + [(18, 30)] * 4
    assert "COUNT" not in moved.current.recurrence
    assert moved.current.recurrence == "FREQ=MONTHLY;INTERVAL=1;BYDAY=1SA;UNTIL=20300601T225959Z"
    # A later time change (past that UNTIL's instant at 18:00 plus hours) keeps the last one too.
    later = update(
        moved,
        datetime(2030, 3, 10, tzinfo=UTC),
        start=wall(date(2030, 1, 5), 22),
        end=wall(date(2030, 1, 5), 23),
    )
    assert len(dates(later)) == 6


def test_new_pattern_with_count_counts_from_the_first_start() -> None:
    series = make("FREQ=WEEKLY;BYDAY=MO;COUNT=5", date(2030, 1, 7))
    # After three Mondays (7, 14, 21 Jan), switch to Tuesdays and Thursdays, still five in all.
    switched = update(
        series, datetime(2030, 1, 22, 20, tzinfo=UTC), recurrence="FREQ=WEEKLY;BYDAY=TU,TH;COUNT=5"
    )
    # Cut: the 22nd is a Tuesday whose 18:00 has passed at 20:00Z, so the new rule governs from the 23rd.
    assert [d for d, _, _ in dates(switched)] == [
        date(2030, 1, 7),
        date(2030, 1, 14),
        date(2030, 1, 21),
        date(2030, 1, 24),
        date(2030, 1, 29),
    ]
    assert len(dates(switched)) == 5


def test_count_already_used_up_is_refused() -> None:
    series = make("FREQ=WEEKLY;BYDAY=MO", date(2030, 1, 7))
    with pytest.raises(BadUserInput, match="COUNT=2") as caught:
        update(series, datetime(2030, 2, 1, tzinfo=UTC), recurrence="FREQ=WEEKLY;BYDAY=MO;COUNT=2")
    assert caught.value.field == "recurrence"


def test_time_change_keeps_excluded_and_added_dates_and_the_count() -> None:
    # Weekly on Mondays, six times (RFC 5545: the EXDATE takes one of the six, the RDATE adds one).
    rule = (
        "FREQ=WEEKLY;BYDAY=MO;COUNT=6\n"
        "EXDATE;TZID=Europe/London:20300121T180000\n"
        "RDATE;TZID=Europe/London:20300130T120000"
    )
    series = make(rule, date(2030, 1, 7))
    before = [d for d, _, _ in dates(series)]
    assert before == [
        date(2030, 1, 7),
        date(2030, 1, 14),
        date(2030, 1, 28),
        date(2030, 1, 30),
        date(2030, 2, 4),
        date(2030, 2, 11),
    ]
    moved = update(series, datetime(2030, 1, 16, tzinfo=UTC), start=wall(date(2030, 1, 7), 9))
    got = dates(moved)
    assert [d for d, _, _ in got] == before
    assert [h for _, h, _ in got] == [18, 18, 9, 12, 9, 9]  # the RDATE keeps its own time
    # The new entry's EXDATE moved with the time of day; its COUNT became the UNTIL of the same last date.
    assert moved.current.recurrence == (
        "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=MO;UNTIL=20300211T235959Z\n"
        "EXDATE;TZID=Europe/London:20300121T090000\n"
        "RDATE;TZID=Europe/London:20300130T120000"
    )
