"""The capacity rule across a series and its occurrences' own values: a series write is refused naming each
stored occurrence it would leave over capacity (docs/recurring.md, "Capacity"; docs/design.md §4).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date

from .errors import BadUserInput
from .fields import over_capacity
from .model import Session
from .series import InstanceOverride, Series, instance_session

# How many overflowing occurrences an error's message names (the error's list names every one).
NAMED_IN_MESSAGE = 5
# Which of an occurrence's own fields decide its seats.
_OWN_SEAT_FIELDS = frozenset({"capacity", "participants", "status"})
# Which series fields decide what an occurrence shows for its seats (or whether it is one at all).
_SEAT_FIELDS = (*sorted(_OWN_SEAT_FIELDS), "recurrence", "start")


@dataclass(frozen=True)
class Overflow:
    session_id: str
    occurrence_date: date
    capacity: int
    booked: int


class OccurrencesOverCapacity(BadUserInput):
    """A series write refused because it would leave these occurrences over their capacity."""

    def __init__(self, overflows: list[Overflow], *, field: str) -> None:
        named = ", ".join(
            f"{found.session_id} on {found.occurrence_date.isoformat()} ({found.booked} booked)"
            for found in overflows[:NAMED_IN_MESSAGE]
        )
        more = len(overflows) - NAMED_IN_MESSAGE
        tail = f" and {more} more" if more > 0 else ""
        super().__init__(
            f"would leave occurrences over their capacity: {named}{tail}; change their bookings first",
            field=field,
        )
        self.overflows = tuple(overflows)


def seats_may_change(before: Series, after: Series) -> bool:
    """Whether the write changes what an occurrence with an exception may show for its seats."""
    old, new = before.current, after.current
    return any(getattr(old, name) != getattr(new, name) for name in _SEAT_FIELDS)


def books_seats(given: Iterable[str]) -> bool:
    """Whether an occurrence's write giving these fields may change its seats (its series' capacity
    check must then see it: docs/design.md §4, "Capacity spans two documents")."""
    return not _OWN_SEAT_FIELDS.isdisjoint(given)


def _already_over(before: Session | None, after: Session) -> bool:
    """Over capacity with the same seats before the write: not this write's doing, so not refused."""
    return (
        before is not None
        and over_capacity(before)
        and (before.capacity, before.total_number_of_participants)
        == (after.capacity, after.total_number_of_participants)
    )


def overflows(before: Series | None, after: Series, overrides: Iterable[InstanceOverride]) -> list[Overflow]:
    """Occurrences with exceptions that `after` leaves over capacity, but for one that `before` showed
    over capacity with the same seats (stored before this rule covered series writes)."""
    found: list[Overflow] = []
    for override in sorted(overrides, key=lambda item: item.occurrence_date):
        day = override.occurrence_date
        shown = instance_session(after, day, override)
        if shown is None or shown.capacity is None or not over_capacity(shown):
            continue
        if before is not None and _already_over(instance_session(before, day, override), shown):
            continue
        found.append(Overflow(shown.id, day, shown.capacity, shown.total_number_of_participants))
    return found


def check_occurrences(
    before: Series | None, after: Series, overrides: Iterable[InstanceOverride], given: Collection[str]
) -> None:
    """Refuses a series write that leaves an occurrence over capacity; the error names the field the
    request gave (capacity first, as `fields.check_capacity`)."""
    found = overflows(before, after, overrides)
    if found:
        raise OccurrencesOverCapacity(found, field="capacity" if "capacity" in given else "participants")
