"""Double bookings: the policy a write follows (`ConflictPolicy`), which occurrences it checks, and the
SCHEDULE_CONFLICT it refuses with (docs/api.md, "Refusing double bookings"; docs/design.md §4).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from enum import StrEnum

from .availability import MAX_CONFLICTS, Occupation, occupations, overlapping
from .errors import DomainError
from .listing import MAX_WINDOW, Window
from .model import Session


class ConflictPolicy(StrEnum):
    ALLOW = "ALLOW"  # double bookings are written (the default)
    REFUSE = "REFUSE"  # a write that would double-book fails with SCHEDULE_CONFLICT

    @property
    def refuses(self) -> bool:
        return self is ConflictPolicy.REFUSE


class ScheduleConflict(DomainError):
    """The write would double-book; `conflicts` names what it overlaps (at most MAX_CONFLICTS)."""

    code = "SCHEDULE_CONFLICT"

    def __init__(self, conflicts: list[Occupation]) -> None:
        first = conflicts[0]
        super().__init__(
            f"overlaps busy time of schedule {first.schedule_id!r} "
            f"({len(conflicts)} conflict{'s' if len(conflicts) > 1 else ''} listed in extensions.conflicts)"
        )
        self.conflicts = conflicts[:MAX_CONFLICTS]


# What decides when and where a session is busy. An update changing none of these is not checked, so the
# notes of a session double-booked before (under ALLOW) can still be edited with REFUSE.
BUSY_FIELDS = frozenset(
    {
        "start",
        "end",
        "schedule_id",
        "affected_schedules",
        "time_reserved_after",
        "type",
        "status",
        "recurrence",
    }
)


def moves_busy_time(changed: Iterable[str] | None) -> bool:
    """Whether a write may double-book: a create (None) always, an update if it changes busy time."""
    return changed is None or not BUSY_FIELDS.isdisjoint(changed)


def checked_span(first_start: datetime, now: datetime) -> Window:
    """Which occurrences of a series a write checks: those starting in the year from its first
    occurrence or from now, whichever is later (a listing's limit; past occurrences book nothing)."""
    start = max(first_start, now)
    return Window(start=start, end=start + MAX_WINDOW)


def is_own(session: Session, own: Collection[str]) -> bool:
    """Whether a stored session is (an occurrence of) one being written, so it never conflicts: the
    session itself, or for a split both the series it ends and the one it starts."""
    return session.id in own or session.recurring_session_id in own


def conflicts_of(
    wanted: Iterable[Session], existing: Iterable[Session], own: Collection[str]
) -> list[Occupation]:
    return overlapping(occupations(wanted), occupations(s for s in existing if not is_own(s, own)))
