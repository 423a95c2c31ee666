"""The value types session fields hold: status, type, participants."""

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
