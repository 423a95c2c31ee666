"""The change log's events: one `Change` per write, recorded on the document it writes and later numbered
into `changes` by the sequencer (docs/design.md §9). No I/O here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from .notifications import DeliveryState
from .values import SessionStatus


class ChangeKind(StrEnum):
    CREATED = "CREATED"
    UPDATED = "UPDATED"
    CANCELLED = "CANCELLED"


class Change(BaseModel):
    """One change event.

    On a session document (pending): `sequence` is None, and the write shortcut of §4, which writes
    without reading, leaves `revision` and `schedule_id` None too; the sequencer derives them from the
    document when it moves the entry. In `changes`: everything is set.
    """

    model_config = ConfigDict(frozen=True)

    kind: ChangeKind
    session_id: str
    schedule_id: str | None = None
    # Set when the change moved the session to another schedule: lets the sequencer derive the schedule
    # of an earlier pending entry that did not record it.
    previous_schedule_id: str | None = None
    revision: int | None = None
    changed_fields: tuple[str, ...] = ()
    at: datetime
    sequence: int | None = None
    # A series split (`of_split`): where the occurrences from `split_date` (a local date) on went.
    split_from: str | None = None
    split_into: str | None = None
    split_date: date | None = None


def change_kind(changed: dict[str, object], *, created: bool = False) -> ChangeKind:
    if created:
        return ChangeKind.CREATED
    if changed.get("status") == SessionStatus.CANCELLED:
        return ChangeKind.CANCELLED
    return ChangeKind.UPDATED


def record_change(
    *,
    session_id: str,
    changed: dict[str, object],
    now: datetime,
    revision: int | None,
    schedule_id: str | None,
    previous_schedule_id: str | None = None,
    created: bool = False,
) -> Change:
    """The event a write records with itself: the one function every write path calls.

    `changed` holds the domain fields the write changes (their new values); a create passes none.
    `previous_schedule_id` is the schedule before the write, when the write changes it.
    """
    moved = previous_schedule_id is not None and previous_schedule_id != schedule_id
    return Change(
        kind=change_kind(changed, created=created),
        session_id=session_id,
        schedule_id=schedule_id,
        previous_schedule_id=previous_schedule_id if moved else None,
        revision=revision,
        changed_fields=tuple(sorted(changed)),
        at=now,
    )


def of_split(
    change: Change, day: date, *, split_from: str | None = None, split_into: str | None = None
) -> Change:
    """An event of a series split (docs/recurring.md, splitting), so a mirror can move the occurrences
    itself: the original's UPDATED names the new series (`split_into`); the new series' CREATED names the
    original (`split_from`), and so does a moved exception's CREATED (its id under the original); all
    carry the local date from which the occurrences moved."""
    return change.model_copy(update={"split_from": split_from, "split_into": split_into, "split_date": day})


def resolve_pending(entries: Iterable[Change], *, revision: int, schedule_id: str | None) -> list[Change]:
    """Pending entries of one document, in write order, with every revision and schedule filled in.

    Every write that raises a document's revision by one records exactly one entry, so the entries
    still pending on a document at revision R are those of revisions R-k+1 … R, in order; walking
    back from the document's state gives each entry's schedule too (an entry that moved the session
    to another schedule says which one it left).
    """
    pending = list(entries)
    resolved: list[Change] = []
    next_revision, next_schedule = revision, schedule_id
    for entry in reversed(pending):
        entry_revision = entry.revision if entry.revision is not None else next_revision
        entry_schedule = entry.schedule_id if entry.schedule_id is not None else next_schedule
        resolved.append(entry.model_copy(update={"revision": entry_revision, "schedule_id": entry_schedule}))
        next_revision = entry_revision - 1
        next_schedule = entry.previous_schedule_id or entry_schedule
    resolved.reverse()
    return resolved


class ChangeDelivery(DeliveryState):
    """One change event on its way to the change webhook (§9): delivered like a notification (§5)."""

    id: str  # `delivery_key`: also the Idempotency-Key, so a receiver can drop a repeat
    change: Change


def delivery_key(change: Change) -> str:
    """`sessionId:revision`: one per event however often it is queued or sent."""
    return f"{change.session_id}:{change.revision}"
