"""The capacity rule across a series and its occurrences (issue 21, 3): after any sequence of series and
occurrence edits, each applied only when the domain accepts it (as the use cases do), no occurrence and no
series is over its capacity, and cancelling is never refused."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bookings_sessions.domain.commands import SessionPatch
from bookings_sessions.domain.errors import BadUserInput, NotFound
from bookings_sessions.domain.fields import over_capacity
from bookings_sessions.domain.occurrence_capacity import (
    OccurrencesOverCapacity,
    check_occurrences,
    seats_may_change,
)
from bookings_sessions.domain.series import InstanceOverride, Series, find_occurrence, instance_session
from bookings_sessions.domain.series_patch import plan_instance_update, plan_series_update
from bookings_sessions.domain.series_split import has_occurrence_before, plan_split
from bookings_sessions.domain.values import SessionStatus
from tests.support.domain import SERIES_CREATED, make_series

FIRST = date(2030, 1, 7)  # a Monday
DATES = [FIRST + timedelta(weeks=n) for n in range(4)]
NOW = SERIES_CREATED + timedelta(days=1)
ZONE = "Europe/London"

capacities = st.one_of(st.none(), st.integers(min_value=0, max_value=12))
parties = st.lists(st.integers(min_value=1, max_value=6), max_size=3).map(
    lambda sizes: [{"party_size": size} for size in sizes]
)
seats = st.fixed_dictionaries({}, optional={"capacity": capacities, "participants": parties})
series_edit = st.tuples(st.just("series"), seats)
occurrence_edit = st.tuples(st.just("occurrence"), st.tuples(st.sampled_from(DATES), seats))
cancel = st.tuples(st.just("cancel"), st.sampled_from(DATES))
status = st.tuples(st.just("status"), st.sampled_from([SessionStatus.CANCELLED, SessionStatus.CONFIRMED]))
split = st.tuples(st.just("split"), st.tuples(st.sampled_from(DATES[1:]), seats))
edits = st.lists(st.one_of(series_edit, occurrence_edit, cancel, status, split), max_size=12)


class Calendar:
    """A series and its stored exceptions, changed only through the domain's planning functions."""

    def __init__(self) -> None:
        self.series: Series = make_series(FIRST, "FREQ=WEEKLY;BYDAY=MO;COUNT=4", ZONE, capacity=6)
        self.overrides: dict[date, InstanceOverride] = {}

    def series_write(self, given: dict[str, Any]) -> None:
        patch = SessionPatch.from_given(given)
        planned = plan_series_update(self.series, patch, business_zone=ZONE, now=NOW)
        if planned is not None and seats_may_change(self.series, planned):
            check_occurrences(self.series, planned, self.overrides.values(), patch.given)
        if planned is not None:
            self.series = planned

    def occurrence_write(self, day: date, given: dict[str, Any]) -> None:
        patch = SessionPatch.from_given(given)
        existing = self.overrides.get(day)
        planned = plan_instance_update(self.series, day, existing, patch, business_zone=ZONE, now=NOW)
        if planned is not None:
            self.overrides[day] = planned

    def split_write(self, day: date, given: dict[str, Any]) -> None:
        """Split at `day`: the dates from it on are then the new series' (checked as this calendar)."""
        if find_occurrence(self.series, day) is None or not has_occurrence_before(self.series, day):
            return  # the use case answers NOT_FOUND, or updates the whole series (a series write)
        patch = SessionPatch.from_given(given)
        overrides = list(self.overrides.values())
        request = f"split-{day}"  # each split its own request (`scoped_request`)
        plan = plan_split(self.series, day, overrides, patch, request=request, business_zone=ZONE, now=NOW)
        if plan is None:
            return
        # The rest of the sequence goes on with the new series (it holds the dates the test edits next).
        self.series = plan.tail.model_copy(update={"id": self.series.id})
        kept = [moved.model_copy(update={"series_id": self.series.id}) for moved in plan.moved]
        self.overrides = {moved.occurrence_date: moved for moved in kept}

    def apply(self, kind: str, argument: Any) -> None:
        if kind == "cancel":
            if instance_session(self.series, argument, None) is None:
                return  # split off: no longer this series' date
            self.occurrence_write(argument, {"status": SessionStatus.CANCELLED})  # never refused
            return
        try:
            if kind == "series":
                self.series_write(argument)
            elif kind == "status":
                self.series_write({"status": argument})
            elif kind == "split":
                self.split_write(*argument)
            else:
                self.occurrence_write(*argument)
        except BadUserInput:
            pass  # refused: nothing changes
        except NotFound:
            pass  # a date a split took away

    def overflowing(self) -> list[date]:
        shown = [(day, instance_session(self.series, day, self.overrides.get(day))) for day in DATES]
        return [day for day, session in shown if session is not None and over_capacity(session)]


@settings(max_examples=200, deadline=None)
@given(edits)
def test_no_sequence_of_edits_leaves_an_occurrence_over_capacity(sequence: list[tuple[str, Any]]) -> None:
    calendar = Calendar()
    for kind, argument in sequence:
        calendar.apply(kind, argument)
        assert calendar.overflowing() == [], (kind, argument)
        assert not over_capacity(calendar.series.current)


def test_a_series_cut_below_an_occurrences_bookings_names_it() -> None:
    calendar = Calendar()
    calendar.occurrence_write(DATES[1], {"participants": [{"party_size": 5}]})
    with pytest.raises(OccurrencesOverCapacity) as refused:
        calendar.series_write({"capacity": 2})
    assert refused.value.field == "capacity"
    assert [found.occurrence_date for found in refused.value.overflows] == [DATES[1]]
    assert calendar.series.current.capacity == 6
