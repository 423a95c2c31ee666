"""Stale-edit protection (`expectedRevision`), shared by every write path that honours it."""

from __future__ import annotations

from ..domain.errors import Conflict
from ..domain.model import Session


def check_revision(current: Session, expected: int | None) -> None:
    """Checked inside each CAS attempt, so a write that lands between the client's read and ours is
    caught even when it happens while we retry."""
    if expected is not None and expected != current.revision:
        raise Conflict(
            f"the session is at revision {current.revision}, not {expected}: re-read it and retry",
            current_revision=current.revision,
        )
