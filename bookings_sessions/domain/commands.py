"""Validated client input: what to create, and what to change (absent ≠ null, see `SessionPatch`)."""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import BadUserInput
from .model import Participant, SessionStatus, SessionType
from .timezones import CalendarDateTimeIn

MAX_TAGS = 50
MAX_PARTICIPANTS = 500
MAX_NOTES = 10_000
MAX_MESSAGE = 2_000


class NewSession(BaseModel):
    model_config = ConfigDict(frozen=True)

    schedule_id: str = Field(min_length=1, max_length=200)
    schedule_owner_id: str | None = Field(default=None, max_length=200)
    tags: tuple[str, ...] = Field(default=(), max_length=MAX_TAGS)
    notes: str | None = Field(default=None, max_length=MAX_NOTES)
    type: SessionType = SessionType.EVENT
    recurrence: str | None = Field(default=None, max_length=500)
    start: CalendarDateTimeIn
    end: CalendarDateTimeIn
    participants: tuple[Participant, ...] = Field(default=(), max_length=MAX_PARTICIPANTS)


class SessionPatch(BaseModel):
    """Only the fields in `model_fields_set` were given; a given `None` means "clear it"."""

    model_config = ConfigDict(frozen=True)

    schedule_id: str | None = Field(default=None, min_length=1, max_length=200)
    schedule_owner_id: str | None = Field(default=None, max_length=200)
    tags: tuple[str, ...] | None = Field(default=None, max_length=MAX_TAGS)
    notes: str | None = Field(default=None, max_length=MAX_NOTES)
    status: SessionStatus | None = None
    type: SessionType | None = None
    recurrence: str | None = Field(default=None, max_length=500)
    start: CalendarDateTimeIn | None = None
    end: CalendarDateTimeIn | None = None
    participants: tuple[Participant, ...] | None = Field(default=None, max_length=MAX_PARTICIPANTS)


class NotificationRequest(BaseModel):
    model_config = ConfigDict(frozen=True)

    notify_participants: bool = False
    message: str | None = Field(default=None, max_length=MAX_MESSAGE)


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


M = TypeVar("M", bound=BaseModel)


def validated(model: type[M], data: dict[str, object], prefix: str) -> M:
    """pydantic's first complaint becomes a BAD_USER_INPUT naming the GraphQL input path."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        path = ".".join([prefix, *(camel(str(part)) for part in first["loc"])])
        raise BadUserInput(f"{path}: {first['msg']}", field=path) from None
