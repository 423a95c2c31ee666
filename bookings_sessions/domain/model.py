"""The session as the domain sees it, independent of GraphQL and of the database."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from .timezones import SessionTime


class SessionStatus(StrEnum):
    CONFIRMED = "CONFIRMED"
    CANCELLED = "CANCELLED"


class SessionType(StrEnum):
    EVENT = "EVENT"
    WORKING_HOURS = "WORKING_HOURS"


class SessionKind(StrEnum):
    SINGLE = "single"
    SERIES = "series"
    INSTANCE = "instance"


class Participant(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str | None = None
    name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=40)
    party_size: int = Field(default=1, ge=1, le=1000)


class Session(BaseModel):
    """A session as returned to clients: a single session, a series, or an (expanded) instance."""

    model_config = ConfigDict(frozen=True)

    id: str
    kind: SessionKind = SessionKind.SINGLE
    schedule_id: str
    schedule_owner_id: str | None = None
    tags: tuple[str, ...] = ()
    notes: str | None = None
    status: SessionStatus = SessionStatus.CONFIRMED
    type: SessionType = SessionType.EVENT
    recurrence: str | None = None
    recurring_session_id: str | None = None
    instance_of_recurrence: str | None = None
    start: SessionTime
    end: SessionTime
    participants: tuple[Participant, ...] = ()
    revision: int = 0
    created_date: datetime
    updated_date: datetime

    @property
    def total_number_of_participants(self) -> int:
        return sum(participant.party_size for participant in self.participants)
