"""Every rule shape, as the feed writes it, expands in an independent RFC 5545 library to the instances
the API computes: re-anchored at the feed's first day, COUNT turned into UNTIL, a second history entry
taking over (docs/design.md §6, calendar feeds).

The feed's series events (domain/calendar_events.py) are written by http/calendar_ics.py and expanded by
`recurring-ical-events`; the oracle is the domain's own `instances_in_window`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import recurring_ical_events
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from bookings_sessions.domain.calendar_events import series_events
from bookings_sessions.domain.errors import BadUserInput
from bookings_sessions.domain.series import HistoryEntry, Series, instances_in_window, nominal_time
from bookings_sessions.http.calendar_ics import render_calendar
from tests.domain.test_rule_shapes import rule_shapes
from tests.support.domain import make_series

ZONES = ["Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kathmandu"]
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


def feed_rows(
    series: Series, first_day: date, start: datetime, end: datetime
) -> list[tuple[datetime, datetime, str | None]]:
    events = series_events(series, [], first_day, "s")
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
    assert feed_rows(series, first_day, start, end) == sorted(expected, key=lambda row: (row[0], row[1]))
