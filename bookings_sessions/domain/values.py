"""The value types session fields hold: status, type, participants, location, linked schedules."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class SessionStatus(StrEnum):
    CONFIRMED = "CONFIRMED"
    CANCELLED = "CANCELLED"


class SessionType(StrEnum):
    EVENT = "EVENT"
    WORKING_HOURS = "WORKING_HOURS"


class Participant(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str | None = None
    name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=40)
    party_size: int = Field(default=1, ge=1, le=1000)


class LocationType(StrEnum):
    BUSINESS = "BUSINESS"
    CUSTOMER = "CUSTOMER"
    CUSTOM = "CUSTOM"


class Location(BaseModel):
    """Where the session takes place; an address can be a customer's, so it is personal data."""

    model_config = ConfigDict(frozen=True)

    type: LocationType
    name: str | None = Field(default=None, max_length=200)
    address: str | None = Field(default=None, max_length=500)


class Transparency(StrEnum):
    BUSY = "BUSY"  # the linked schedule is blocked while the session runs
    FREE = "FREE"


class LinkedSchedule(BaseModel):
    """Another schedule the session affects (a class blocks its instructor's schedule)."""

    model_config = ConfigDict(frozen=True)

    schedule_id: str = Field(min_length=1, max_length=200)
    transparency: Transparency = Transparency.BUSY


class RecurrenceType(StrEnum):
    NONE = "NONE"  # a single session
    MASTER = "MASTER"  # a recurring session (series)
    INSTANCE = "INSTANCE"  # an occurrence with no stored exception
    EXCEPTION = "EXCEPTION"  # an occurrence with a stored exception (cancelled ones included)


class EditScope(StrEnum):
    """Which occurrences of a recurring session an update or delete of an instance id changes."""

    THIS = "THIS"
    THIS_AND_FOLLOWING = "THIS_AND_FOLLOWING"
    ALL = "ALL"
