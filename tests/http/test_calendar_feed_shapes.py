"""Every rule shape, as the feed writes it, expands in an independent RFC 5545 library to the instances
the API computes: re-anchored at the feed's first day, COUNT turned into UNTIL, a second history entry
taking over (docs/design.md §6, calendar feeds).

The feed's series events (domain/calendar_events.py) are written by http/calendar_ics.py and expanded by
`recurring-ical-events`; the oracle is the domain's own `instances_in_window`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import recurring_ical_events
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from bookings_sessions.domain.calendar_events import FeedEvent, series_events
from bookings_sessions.domain.errors import BadUserInput
from bookings_sessions.domain.series import (
    HistoryEntry,
    InstanceOverride,
    Series,
    StartMode,
    instances_in_window,
    nominal_time,
)
from bookings_sessions.domain.timezones import wall_time_of
from bookings_sessions.http.calendar_ics import render_calendar
from tests.domain.test_rule_shapes import rule_shapes
from tests.support.domain import make_series

ZONES = ["Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kathmandu"]
Row = tuple[datetime, datetime, str | None]
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def with_second_entry(series: Series, from_date: date, hour: int) -> Series:
    """The series as an update from `from_date` on leaves it: a later time of day and a new title."""
    first = series.history[0].snapshot
    zone = first.start.zone
    start = first.start.local.replace(hour=hour)
    snapshot = first.model_copy(
        update={
            "start": nominal_time(start, zone),
            "end": nominal_time(start + timedelta(minutes=50), zone),
            "title": "later",
        }
    )
    entry = HistoryEntry(from_date=from_date, effective_from=series.updated_date, snapshot=snapshot)
    return series.model_copy(update={"history": (*series.history, entry)})


def feed_rows(series: Series, first_day: date, start: datetime, end: datetime) -> list[Row]:
    return feed_rows_of(series_events(series, [], first_day, "s"), first_day, start, end)


def feed_rows_of(events: list[FeedEvent], first_day: date, start: datetime, end: datetime) -> list[Row]:
    """The events as the feed writes them, expanded by recurring-ical-events over [start, end)."""
    calendar = Calendar.from_ical(render_calendar("s", events, False, first_day))
    rows = []
    for event in recurring_ical_events.of(calendar).between(start, end):
        summary = event.get("SUMMARY")
        rows.append(
            (
                event.decoded("DTSTART").astimezone(UTC),
                event.decoded("DTEND").astimezone(UTC),
                None if summary is None else str(summary),
            )
        )
    return sorted(rows, key=lambda row: (row[0], row[1]))


@PROPERTY
@given(data=st.data())
def test_every_rule_shape_in_the_feed_expands_to_the_api_instances(data: st.DataObject) -> None:
    zone = data.draw(st.sampled_from(ZONES))
    first = data.draw(st.dates(date(2024, 1, 1), date(2027, 12, 31)))
    # Hours 0..3 are over-represented: that is where DST gaps and overlaps live.
    hour = data.draw(st.one_of(st.integers(0, 3), st.integers(0, 20)))
    anchor = datetime.combine(first, time(hour), tzinfo=UTC)
    rule = data.draw(rule_shapes(anchor))
    try:
        series = make_series(first, rule.to_rrule(), zone, (hour, hour + 1), title="first")
    except BadUserInput:
        return  # a rule without occurrences is refused when written
    if data.draw(st.booleans()):
        later = first + timedelta(days=data.draw(st.integers(1, 400)))
        series = with_second_entry(series, later, data.draw(st.integers(0, 21)))
    first_day = first + timedelta(days=data.draw(st.integers(-40, 500)))
    start = datetime.combine(first_day, time(), tzinfo=UTC) + timedelta(days=3)
    end = start + timedelta(days=data.draw(st.integers(1, 366)))

    expected = [
        (instance.start.utc, instance.end.utc, instance.title)
        for instance in instances_in_window(series, {}, start, end)
    ]
    found = feed_rows(series, first_day, start, end)
    zone_info = ZoneInfo(zone)
    assert comparable(found, zone_info) == comparable(sorted(expected, key=lambda row: row[:2]), zone_info)


def comparable(rows: list[Row], zone: ZoneInfo) -> list[tuple[datetime, datetime | None, str | None]]:
    """Rows with the end left out where the zone's offset changes around the start: RFC 5545 (and the
    API) make an occurrence's length exact, while recurring-ical-events adds it to the wall time (an
    hour more or less across a DST change, none from a start in a gap); the start is compared
    everywhere."""
    return [(first, None if _offset_changes(first, zone) else last, title) for first, last, title in rows]


def _offset_changes(instant: datetime, zone: ZoneInfo) -> bool:
    before = (instant - timedelta(hours=3)).astimezone(zone).utcoffset()
    return before != (instant + timedelta(hours=25)).astimezone(zone).utcoffset()


def test_an_occurrence_moved_from_before_the_feed_into_it_is_shown_where_it_went() -> None:
    series = make_series(date(2027, 1, 4), "FREQ=WEEKLY;BYDAY=MO", "Europe/Berlin", (18, 19), title="first")
    # The 11 January class moved to 3 March; the feed starts on 1 February.
    moved = InstanceOverride(
        series_id=series.id,
        occurrence_date=date(2027, 1, 11),
        start_mode=StartMode.FIXED,
        start=wall_time_of(datetime(2027, 3, 3, 9), "Europe/Berlin"),
        end=wall_time_of(datetime(2027, 3, 3, 10), "Europe/Berlin"),
        values={"title": "moved"},
    )
    first_day = date(2027, 2, 1)
    start, end = datetime(2027, 2, 4, tzinfo=UTC), datetime(2027, 4, 1, tzinfo=UTC)
    expected = [
        (instance.start.utc, instance.end.utc, instance.title)
        for instance in instances_in_window(series, {moved.occurrence_date: moved}, start, end)
    ]
    assert ("moved" in {row[2] for row in expected}) and len(expected) == 9
    events = series_events(series, [moved], first_day, "s")
    assert feed_rows_of(events, first_day, start, end) == sorted(expected, key=lambda row: (row[0], row[1]))
