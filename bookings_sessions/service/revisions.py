"""Stale-edit protection (`expectedRevision`), shared by every write path that honours it."""

from __future__ import annotations

from datetime import date

from ..domain.errors import Conflict
from ..domain.model import Session
from ..domain.recurrence import instance_id
from ..domain.series import Series, shown_revision
from .services import AppServices


def check_revision(current: Session | int, expected: int | None) -> None:
    """Checked inside each CAS attempt, so a write that lands between the client's read and ours is
    caught even when it happens while we retry. `current`: the session the client named, or the
    revision it shows."""
    revision = current if isinstance(current, int) else current.revision
    if expected is not None and expected != revision:
        raise Conflict(
            f"the session is at revision {revision}, not {expected}: re-read it and retry",
            current_revision=revision,
        )


async def instance_revision(services: AppServices, series: Series, occurrence_date: date) -> int:
    """The revision the series' instance on that date shows (docs/design.md §1, bookkeeping), or
    would show had a split or an end not taken it out of the series: either way above any it showed
    before that write."""
    override = await services.store.get_override(instance_id(series.id, occurrence_date))
    return shown_revision(series, override)
