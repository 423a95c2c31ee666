"""Patch rules for a session: absent = unchanged, array = replaced, null = cleared, only real changes kept;
errors name domain paths relative to the patch (docs/api.md "Partial updates", docs/design.md §4).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .all_day import check_whole_days
from .commands import NewSession, SessionPatch
from .errors import BadUserInput
from .fields import FIELD_RULES, VALUE_FIELDS, check_capacity
from .model import Session, SessionKind
from .timezones import SessionTime, keep_length, resolve_time

Changes = dict[str, Any]
# The fields the all-day rule relates: a change to any of them is checked against the others.
TIMING = frozenset({"start", "end", "all_day"})


def check_times(start: SessionTime, end: SessionTime) -> None:
    """The one "end after start" rule, for sessions, series and instances alike."""
    if end.utc <= start.utc:
        raise BadUserInput("must be after start", field="end")


def reject_recurring_only_fields(given: dict[str, Any]) -> None:
    """Fields a recurring session (series or instance) cannot hold, such as `notes`."""
    for name, value in given.items():
        if value is not None and name in FIELD_RULES and not FIELD_RULES[name].on_series:
            raise BadUserInput(f"{name} are not supported for recurring sessions", field=name)


def new_single_session(command: NewSession, *, session_id: str, business_zone: str, now: datetime) -> Session:
    start = resolve_time(command.start, business_zone, "start")
    end = resolve_time(command.end, business_zone, "end")
    if not command.all_day:  # whole days keep their first instants; other times their length
        end = keep_length(command.start, start, command.end, end)
    check_times(start, end)
    if command.all_day:
        check_whole_days(start, end)
    session = Session(
        id=session_id,
        kind=SessionKind.SINGLE,
        **{name: getattr(command, name) for name in VALUE_FIELDS},
        start=start,
        end=end,
        revision=1,
        created_date=now,
        updated_date=now,
    )
    check_capacity(session, command.model_fields_set)
    return session


def checked_value(name: str, value: Any) -> Any:
    """A given plain value as stored: null refused where the table says so, arrays cleared to empty."""
    rules = FIELD_RULES[name]
    if value is None and not rules.clearable:
        raise BadUserInput("cannot be null", field=name)
    if value is None and rules.array:
        return ()
    return value


def requested_values(patch: SessionPatch, *, business_zone: str, all_day: bool = False) -> Changes:
    """The given fields as values to store, each checked on its own (no current session needed);
    `all_day`: whether the result is all-day (its end then keeps its day's first instant)."""
    wanted: Changes = {name: checked_value(name, value) for name, value in sorted(patch.values.items())}
    for name in sorted(patch.given - set(patch.values)):
        value = patch.value(name)
        if value is None:
            raise BadUserInput("cannot be null", field=name)
        wanted[name] = resolve_time(value, business_zone, name) if name in ("start", "end") else value
    if patch.start is not None and patch.end is not None and not all_day:
        wanted["end"] = keep_length(patch.start, wanted["start"], patch.end, wanted["end"])
    return wanted


def blind_patch(patch: SessionPatch, *, business_zone: str) -> Changes | None:
    """Changes that can be written without reading the session first, or None if the rules need it.

    The write is then conditioned on the document being a single session that differs in at least one
    given field, so "only real changes" and "no notes on a series" still hold; when that condition
    fails the caller falls back to read-plan-write, which also produces the precise error.
    """
    wanted = requested_values(patch, business_zone=business_zone)
    if not wanted or "recurrence" in wanted or ("start" in wanted) != ("end" in wanted):
        return None
    if "capacity" in wanted or "participants" in wanted:
        return None  # the capacity rule needs the whole resulting session
    if "all_day" in wanted:
        return None  # whether the times are whole days needs them all
    if "start" in wanted:
        check_times(wanted["start"], wanted["end"])
    return wanted


def plan_patch(current: Session, patch: SessionPatch, *, business_zone: str) -> Changes:
    """The changed fields (domain names → new values), validated against the whole resulting session.

    Raises BadUserInput before anything is written, so a bad request never leaves a partial update.
    """
    all_day = patch.values.get("all_day", current.all_day)
    wanted = requested_values(patch, business_zone=business_zone, all_day=bool(all_day))
    if "recurrence" in wanted and current.kind is not SessionKind.SERIES:
        raise BadUserInput(
            "a single session cannot become recurring; create a recurring session", field="recurrence"
        )
    if current.kind is not SessionKind.SINGLE:
        reject_recurring_only_fields(wanted)
    check_times(wanted.get("start", current.start), wanted.get("end", current.end))
    resulting = current.model_copy(update=wanted)
    if resulting.all_day and wanted.keys() & TIMING:
        check_whole_days(resulting.start, resulting.end)
    check_capacity(resulting, wanted)
    return {name: value for name, value in wanted.items() if getattr(current, name) != value}


def apply_changes(current: Session, changes: Changes, *, now: datetime) -> Session:
    """What the stored document becomes; the storage layer performs the same change atomically."""
    return current.model_copy(update={**changes, "revision": current.revision + 1, "updated_date": now})
