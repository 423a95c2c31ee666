"""Patch rules for a session: absent = unchanged, array = replaced, null = cleared, only real changes kept."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .commands import NewSession, SessionPatch, camel
from .errors import BadUserInput
from .model import Session, SessionKind
from .timezones import SessionTime, resolve_time

# Fields a client may not clear with an explicit null (they have no meaningful "empty").
NOT_NULLABLE = frozenset({"schedule_id", "status", "type", "start", "end", "recurrence"})
# Arrays: null clears them to empty, as the reference treats a given array as the whole new value.
ARRAYS = frozenset({"tags", "participants"})

Changes = dict[str, Any]


def check_times(start: SessionTime, end: SessionTime, prefix: str) -> None:
    if end.utc <= start.utc:
        raise BadUserInput(f"{prefix}.end must be after {prefix}.start", field=f"{prefix}.end")


def new_single_session(
    command: NewSession, *, session_id: str, business_zone: str, now: datetime, prefix: str = "sessionInfo"
) -> Session:
    start = resolve_time(command.start, business_zone, f"{prefix}.start")
    end = resolve_time(command.end, business_zone, f"{prefix}.end")
    check_times(start, end, prefix)
    return Session(
        id=session_id,
        kind=SessionKind.SINGLE,
        schedule_id=command.schedule_id,
        schedule_owner_id=command.schedule_owner_id,
        tags=command.tags,
        notes=command.notes,
        type=command.type,
        start=start,
        end=end,
        participants=command.participants,
        revision=1,
        created_date=now,
        updated_date=now,
    )


def requested_values(patch: SessionPatch, *, business_zone: str, prefix: str = "sessionInfo") -> Changes:
    """The given fields as values to store, each checked on its own (no current session needed)."""
    wanted: Changes = {}
    for name in sorted(patch.model_fields_set):
        value = getattr(patch, name)
        path = f"{prefix}.{camel(name)}"
        if value is None and name in NOT_NULLABLE:
            raise BadUserInput(f"{path} cannot be null", field=path)
        if value is None and name in ARRAYS:
            value = ()
        if name in ("start", "end"):
            value = resolve_time(value, business_zone, path)
        wanted[name] = value
    return wanted


def blind_patch(patch: SessionPatch, *, business_zone: str, prefix: str = "sessionInfo") -> Changes | None:
    """Changes that can be written without reading the session first, or None if the rules need it.

    The write is then conditioned on the document being a single session that differs in at least one
    given field, so "only real changes" and "no notes on a series" still hold; when that condition
    fails the caller falls back to read-plan-write, which also produces the precise error.
    """
    wanted = requested_values(patch, business_zone=business_zone, prefix=prefix)
    if not wanted or "recurrence" in wanted or ("start" in wanted) != ("end" in wanted):
        return None
    if "start" in wanted:
        check_times(wanted["start"], wanted["end"], prefix)
    return wanted


def plan_patch(
    current: Session, patch: SessionPatch, *, business_zone: str, prefix: str = "sessionInfo"
) -> Changes:
    """The changed fields (domain names → new values), validated against the whole resulting session.

    Raises BadUserInput before anything is written, so a bad request never leaves a partial update.
    """
    wanted = requested_values(patch, business_zone=business_zone, prefix=prefix)
    if "recurrence" in wanted and current.kind is not SessionKind.SERIES:
        raise BadUserInput(
            f"{prefix}.recurrence: a single session cannot become recurring; create a recurring session",
            field=f"{prefix}.recurrence",
        )
    if wanted.get("notes") is not None and current.kind is not SessionKind.SINGLE:
        raise BadUserInput(
            f"{prefix}.notes: notes are not supported for recurring sessions", field=f"{prefix}.notes"
        )
    check_times(wanted.get("start", current.start), wanted.get("end", current.end), prefix)
    return {name: value for name, value in wanted.items() if getattr(current, name) != value}


def apply_changes(current: Session, changes: Changes, *, now: datetime) -> Session:
    """What the stored document becomes; the storage layer performs the same change atomically."""
    return current.model_copy(update={**changes, "revision": current.revision + 1, "updated_date": now})
