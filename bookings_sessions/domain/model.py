"""The session as the domain sees it, independent of GraphQL and of the database."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from .fields import SessionValues
from .timezones import SessionTime
from .values import RecurrenceType


class SessionKind(StrEnum):
    SINGLE = "single"
    SERIES = "series"
    INSTANCE = "instance"


class Session(SessionValues):
    """A session as returned to clients: a single session, a series, or an (expanded) instance.

    The plain fields come from the field table (`SessionValues`); these are the rest.
    """

    id: str
    kind: SessionKind = SessionKind.SINGLE
    recurrence: str | None = None
    recurring_session_id: str | None = None
    instance_of_recurrence: str | None = None
    start: SessionTime
    end: SessionTime
    revision: int = 0
    created_date: datetime
    updated_date: datetime
    # Derived when read, never stored: what a calendar row is, and (instances) what it inherits.
    recurrence_type: RecurrenceType = RecurrenceType.NONE
    original_start: SessionTime | None = None  # instances: where the series puts the occurrence
    inherited_fields: tuple[str, ...] = ()  # instances: domain names still taken from the series

    @property
    def total_number_of_participants(self) -> int:
        return sum(participant.party_size for participant in self.participants)

    @property
    def remaining_capacity(self) -> int | None:
        return None if self.capacity is None else self.capacity - self.total_number_of_participants
