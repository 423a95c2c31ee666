"""What a write tells about itself: the fields it changed and its change event, the same for the plain
write paths (service/sessions.py) and the split (service/splits.py). docs/design.md §9.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..domain.changes import Change, record_change
from ..domain.model import Session


def changed_fields(before: Session, after: Session) -> dict[str, Any]:
    ignored = {
        "revision",
        "updated_date",
        "created_date",
        # derived from how the session is stored, not changes a participant is told about
        "recurrence_type",
        "original_start",
        "inherited_fields",
    }
    return {
        name: getattr(after, name)
        for name in type(after).model_fields
        if name not in ignored and getattr(before, name) != getattr(after, name)
    }


def change_of(
    before: Session, changed: dict[str, Any], *, revision: int, now: datetime, after: Session
) -> Change:
    """The change event of an update from `before` to `after` (docs/design.md §9)."""
    return record_change(
        session_id=before.id,
        changed=changed,
        now=now,
        revision=revision,
        schedule_id=after.schedule_id,
        previous_schedule_id=before.schedule_id,
    )


def creation_of(session: Session, now: datetime) -> Change:
    """The CREATED event of a new session or series, at revision 1."""
    return record_change(
        session_id=session.id, changed={}, now=now, revision=1, schedule_id=session.schedule_id, created=True
    )
