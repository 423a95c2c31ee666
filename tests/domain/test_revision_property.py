"""Property (issue 21): over any sequence of series and occurrence edits, an instance's revision strictly
grows whenever anything it answers changes, and never goes back (docs/design.md §1, bookkeeping)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bookings_sessions.domain.commands import SessionPatch
from bookings_sessions.domain.errors import BadUserInput
from bookings_sessions.domain.model import Session
from bookings_sessions.domain.series import InstanceOverride, Series, instance_session
from bookings_sessions.domain.series_patch import plan_instance_update, plan_series_update
from tests.support.domain import SERIES_CREATED, calendar_time, make_series

FIRST = date(2030, 1, 7)  # a Monday; the series runs Mondays and Thursdays 10:00-11:00 in London
ZONE = "Europe/London"
DATES = [FIRST + timedelta(days=offset) for week in range(5) for offset in (7 * week, 7 * week + 3)]

hours = st.integers(min_value=6, max_value=20)
plain = st.fixed_dictionaries(
    {},
    optional={
        "tags": st.sampled_from([None, ["A"], ["B"], ["A", "B"]]),
        "title": st.sampled_from([None, "Yoga", "Pilates"]),
    },
)
series_edit = st.tuples(st.just("series"), st.none(), plain, hours, st.booleans())
through_edit = st.tuples(st.just("all"), st.sampled_from(DATES), plain, hours, st.booleans())
instance_edit = st.tuples(st.just("instance"), st.sampled_from(DATES), plain, hours, st.booleans())
edits = st.lists(
    st.tuples(
        st.one_of(series_edit, through_edit, instance_edit), st.integers(min_value=0, max_value=24 * 20)
    ),
    min_size=1,
    max_size=12,
)


def _info(day: date, fields: dict[str, Any], hour: int, timed: bool) -> dict[str, Any]:
    if not timed:
        return dict(fields)
    return {
        **fields,
        "start": calendar_time(day, hour, zone=ZONE),
        "end": calendar_time(day, hour + 1, zone=ZONE),
    }


def _apply(
    series: Series, overrides: dict[date, InstanceOverride], edit: tuple[Any, ...], now: datetime
) -> Series:
    kind, day, fields, hour, timed = edit
    try:
        if kind == "instance":
            if "title" in fields or "tags" in fields or timed:
                patch = SessionPatch.from_given(_info(day, fields, hour, timed))
                planned = plan_instance_update(
                    series, day, overrides.get(day), patch, business_zone="UTC", now=now
                )
                if planned is not None:
                    overrides[day] = planned
            return series
        series_fields = {name: value for name, value in fields.items() if value is not None}
        patch = SessionPatch.from_given(_info(FIRST if kind == "series" else day, series_fields, hour, timed))
        through = day if kind == "all" else None
        return plan_series_update(series, patch, business_zone="UTC", now=now, through=through) or series
    except BadUserInput:
        return series  # refused: nothing written


def _answered(series: Series, overrides: dict[date, InstanceOverride]) -> dict[date, Session]:
    shown = {day: instance_session(series, day, overrides.get(day)) for day in DATES}
    return {day: session for day, session in shown.items() if session is not None}


@settings(max_examples=150, deadline=None)
@given(steps=edits)
def test_revision_grows_whenever_the_answer_changes(steps: list[tuple[tuple[Any, ...], int]]) -> None:
    series = make_series(FIRST, "FREQ=WEEKLY;BYDAY=MO,TH", zone=ZONE, hours=(10, 11))
    overrides: dict[date, InstanceOverride] = {}
    now = SERIES_CREATED
    before = _answered(series, overrides)
    for edit, hours_later in steps:
        now += timedelta(hours=hours_later)
        series = _apply(series, overrides, edit, now)
        after = _answered(series, overrides)
        for day, old in before.items():
            new = after[day]  # no edit here removes a date
            assert new.revision >= old.revision, (day, edit)
            if new.model_dump(exclude={"revision"}) != old.model_dump(exclude={"revision"}):
                assert new.revision > old.revision, (day, edit)
        before = after
