"""Patch rules: absent = unchanged, array = replaced, null = cleared, only real changes planned."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from bookings_sessions.domain.commands import NewSession, SessionPatch, validated
from bookings_sessions.domain.errors import BadUserInput
from bookings_sessions.domain.model import Session, SessionKind
from bookings_sessions.domain.patch import (
    apply_changes,
    new_single_session,
    plan_patch,
)
from bookings_sessions.domain.timezones import LocalDateTime
from bookings_sessions.domain.values import Participant, SessionStatus, SessionType

CREATED = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
LATER = datetime(2026, 1, 2, 8, 0, tzinfo=UTC)


def at(hour: int, minute: int = 0, day: int = 15) -> dict[str, Any]:
    return {"timestamp": datetime(2026, 6, day, hour, minute, tzinfo=UTC)}


def new_session(**info: Any) -> Session:
    """A single session as creating it makes it: from client input, through the domain's own rules."""
    data: dict[str, Any] = {
        "schedule_id": "schedule-1",
        "schedule_owner_id": "owner-1",
        "tags": ("INDIVIDUAL",),
        "notes": "A first note",
        "start": at(10),
        "end": at(11),
        "participants": ({"name": "Ada", "email": "ada@example.com", "party_size": 2},),
        **info,
    }
    command = validated(NewSession.model_validate, data)
    return new_single_session(command, session_id="s1", business_zone="UTC", now=CREATED)


def patch(**fields: Any) -> SessionPatch:
    return validated(SessionPatch.from_given, fields)


def plan(current: Session, **fields: Any) -> dict[str, Any]:
    return plan_patch(current, patch(**fields), business_zone="UTC")


# --- new sessions ---------------------------------------------------------------------------------


def test_new_session_starts_at_revision_1_with_equal_dates() -> None:
    created = new_session()
    assert created.revision == 1
    assert created.created_date == created.updated_date == CREATED
    assert created.status is SessionStatus.CONFIRMED
    assert created.type is SessionType.EVENT
    assert created.kind is SessionKind.SINGLE


def test_new_session_without_zone_stores_the_business_zone() -> None:
    command = validated(
        NewSession.model_validate,
        {
            "schedule_id": "s",
            "start": {
                "local_date_time": {"year": 2026, "month_of_year": 7, "day_of_month": 1, "hour_of_day": 10}
            },
            "end": {
                "local_date_time": {"year": 2026, "month_of_year": 7, "day_of_month": 1, "hour_of_day": 11}
            },
        },
    )
    created = new_single_session(command, session_id="s", business_zone="Europe/London", now=CREATED)
    assert created.start.zone == created.end.zone == "Europe/London"
    assert created.start.utc == datetime(2026, 7, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("end", [at(10), at(9, 59), at(10, day=14)])
def test_new_session_end_must_be_after_start(end: dict[str, Any]) -> None:
    with pytest.raises(BadUserInput) as caught:
        new_session(end=end)
    assert caught.value.field == "end"


def test_bad_input_values_name_the_domain_path() -> None:
    with pytest.raises(BadUserInput) as caught:
        patch(participants=[{"name": "x", "party_size": 0}])
    assert caught.value.field == "participants.0.party_size"
    with pytest.raises(BadUserInput) as caught:
        patch(schedule_id="")
    assert caught.value.field == "schedule_id"


# --- absent / array / null ------------------------------------------------------------------------


def test_absent_fields_are_unchanged() -> None:
    assert plan(new_session()) == {}


def test_only_changed_fields_are_planned() -> None:
    current = new_session()
    changes = plan(current, notes="A first note", tags=["INDIVIDUAL"], schedule_owner_id="owner-2")
    assert changes == {"schedule_owner_id": "owner-2"}


def test_a_given_array_replaces_the_whole_array() -> None:
    current = new_session(tags=("A", "B", "C"))
    changes = plan(current, tags=["C"])
    assert changes == {"tags": ("C",)}
    assert apply_changes(current, changes, now=LATER).tags == ("C",)


def test_given_participants_replace_all_participants() -> None:
    current = new_session()
    changes = plan(current, participants=[{"name": "Bob"}])
    updated = apply_changes(current, changes, now=LATER)
    assert updated.participants == (Participant(name="Bob"),)


def test_an_empty_array_empties_it() -> None:
    current = new_session()
    assert plan(current, tags=[]) == {"tags": ()}


def test_null_on_an_array_empties_it() -> None:
    current = new_session()
    changes = plan(current, tags=None, participants=None)
    assert changes == {"tags": (), "participants": ()}


@pytest.mark.parametrize("name", ["notes", "schedule_owner_id"])
def test_explicit_null_clears_a_nullable_field(name: str) -> None:
    current = new_session()
    changes = plan(current, **{name: None})
    assert changes == {name: None}
    assert getattr(apply_changes(current, changes, now=LATER), name) is None


def test_null_on_an_already_empty_field_is_no_change() -> None:
    assert plan(new_session(notes=None), notes=None) == {}


@pytest.mark.parametrize("name", ["schedule_id", "status", "type", "start", "end", "recurrence"])
def test_null_on_a_non_nullable_field_is_bad_input(name: str) -> None:
    with pytest.raises(BadUserInput) as caught:
        plan(new_session(), **{name: None})
    assert caught.value.code == "BAD_USER_INPUT"
    assert caught.value.field == name


# --- times against the merged session -------------------------------------------------------------


def test_end_before_the_stored_start_is_refused() -> None:
    with pytest.raises(BadUserInput) as caught:
        plan(new_session(), end=at(9))
    assert caught.value.field == "end"


def test_start_after_the_stored_end_is_refused() -> None:
    with pytest.raises(BadUserInput) as caught:
        plan(new_session(), start=at(11, 30))
    assert caught.value.field == "end"


def test_end_equal_to_start_is_refused() -> None:
    with pytest.raises(BadUserInput):
        plan(new_session(), end=at(10))


def test_moving_both_past_the_old_end_is_fine() -> None:
    changes = plan(new_session(), start=at(14), end=at(15))
    assert set(changes) == {"start", "end"}
    assert changes["start"].utc == datetime(2026, 6, 15, 14, 0, tzinfo=UTC)


def test_same_instant_in_another_zone_is_a_change() -> None:
    # The zone is part of the session (its wall time is shown in it), so it is written.
    changes = plan(new_session(), start={**at(10), "time_zone": "Europe/Berlin"})
    assert changes["start"].zone == "Europe/Berlin"
    assert changes["start"].local == datetime(2026, 6, 15, 12, 0)


def test_wall_time_patch_uses_the_business_zone() -> None:
    current = new_session()
    changes = plan_patch(
        current,
        patch(
            start={
                "local_date_time": LocalDateTime(year=2026, month_of_year=6, day_of_month=15, hour_of_day=10)
            }
        ),
        business_zone="Europe/London",
    )
    assert changes["start"].zone == "Europe/London"
    assert changes["start"].utc == datetime(2026, 6, 15, 9, 0, tzinfo=UTC)


# --- kinds ----------------------------------------------------------------------------------------


def series() -> Session:
    return new_session(notes=None).model_copy(
        update={"kind": SessionKind.SERIES, "recurrence": "FREQ=WEEKLY;BYDAY=MO"}
    )


def test_notes_on_a_series_are_refused() -> None:
    with pytest.raises(BadUserInput) as caught:
        plan(series(), notes="hello")
    assert caught.value.field == "notes"


def test_clearing_notes_on_a_series_is_no_change() -> None:
    assert plan(series(), notes=None) == {}


def test_a_single_session_cannot_become_recurring() -> None:
    with pytest.raises(BadUserInput) as caught:
        plan(new_session(), recurrence="FREQ=WEEKLY;BYDAY=MO")
    assert caught.value.field == "recurrence"


def test_planning_never_modifies_the_current_session() -> None:
    current = new_session()
    before = current.model_dump()
    plan(current, notes=None, tags=["x"], start=at(12), end=at(13))
    with pytest.raises(BadUserInput):
        plan(current, notes="x", end=at(1))
    assert current.model_dump() == before


# --- apply / cancel -------------------------------------------------------------------------------


def test_apply_bumps_revision_and_updated_date_only() -> None:
    current = new_session()
    updated = apply_changes(current, {"notes": "n"}, now=LATER)
    assert updated.revision == current.revision + 1
    assert updated.updated_date == LATER
    assert updated.created_date == current.created_date
    assert updated.model_dump(exclude={"notes", "revision", "updated_date"}) == current.model_dump(
        exclude={"notes", "revision", "updated_date"}
    )


def test_cancel_is_a_status_change_and_idempotent() -> None:
    # deleteSession is this patch: a soft status change that a second delete leaves alone.
    current = new_session()
    cancel = SessionPatch.from_given({"status": SessionStatus.CANCELLED})
    changes = plan_patch(current, cancel, business_zone="UTC")
    assert changes == {"status": SessionStatus.CANCELLED}
    assert plan_patch(apply_changes(current, changes, now=LATER), cancel, business_zone="UTC") == {}


# --- properties -----------------------------------------------------------------------------------

texts = st.text(alphabet="abcXYZ ", max_size=6)
hours = st.integers(min_value=0, max_value=23)
patches = st.fixed_dictionaries(
    {},
    optional={
        "schedule_id": st.sampled_from(["schedule-1", "schedule-2"]),
        "schedule_owner_id": st.none() | st.sampled_from(["owner-1", "owner-2"]),
        "tags": st.none() | st.lists(st.sampled_from(["A", "B", "INDIVIDUAL"]), max_size=3),
        "notes": st.none() | texts,
        "status": st.sampled_from(list(SessionStatus)),
        "type": st.sampled_from(list(SessionType)),
        "start": hours.map(at),
        "end": hours.map(lambda hour: at(hour, 30)),
        "participants": st.none() | st.lists(st.builds(dict, name=texts), max_size=2),
    },
)


@given(fields=patches)
def test_planning_the_same_patch_again_yields_no_changes(fields: dict[str, Any]) -> None:
    current = new_session()
    try:
        changes = plan(current, **fields)
    except BadUserInput:
        assume(False)
        return
    updated = apply_changes(current, changes, now=LATER)
    assert plan(updated, **fields) == {}


@given(fields=patches)
def test_planned_changes_are_given_and_different(fields: dict[str, Any]) -> None:
    current = new_session()
    try:
        changes = plan(current, **fields)
    except BadUserInput:
        assume(False)
        return
    assert set(changes) <= set(fields)
    for name, value in changes.items():
        assert getattr(current, name) != value
    updated = apply_changes(current, changes, now=LATER)
    assert updated.end.utc > updated.start.utc
    for name in set(Session.model_fields) - set(changes) - {"revision", "updated_date"}:
        assert getattr(updated, name) == getattr(current, name)
