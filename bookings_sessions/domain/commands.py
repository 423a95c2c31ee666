"""Validated client input: what to create, and what to change (absent ≠ null, see `SessionPatch`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import BadUserInput
from .fields import FIELD_RULES, SessionValues, check_participant_ids, given_values
from .recurrence import MAX_RECURRENCE_LENGTH
from .timezones import CalendarDateTimeIn
from .values import Participant

MAX_MESSAGE = 2_000


class NewSession(SessionValues):
    """The plain fields (from the field table), plus the times and an optional rule."""

    recurrence: str | None = Field(default=None, max_length=MAX_RECURRENCE_LENGTH)
    start: CalendarDateTimeIn
    end: CalendarDateTimeIn

    @field_validator("participants")
    @classmethod
    def _unique_ids(cls, participants: tuple[Participant, ...]) -> tuple[Participant, ...]:
        check_participant_ids(participants)  # its BadUserInput passes through pydantic as raised
        return participants


class SessionPatch(BaseModel):
    """What to change: only given fields change; a given `None` means "clear it".

    `values` holds the given plain fields (table fields); times and rule have rules of their own.
    """

    model_config = ConfigDict(frozen=True)

    values: dict[str, Any] = Field(default_factory=dict)
    start: CalendarDateTimeIn | None = None
    end: CalendarDateTimeIn | None = None
    recurrence: str | None = Field(default=None, max_length=MAX_RECURRENCE_LENGTH)

    @classmethod
    def from_given(cls, data: dict[str, Any]) -> SessionPatch:
        plain = {name: value for name, value in data.items() if name in FIELD_RULES}
        rest = {name: value for name, value in data.items() if name not in FIELD_RULES}
        return cls.model_validate({**rest, "values": given_values(plain)})

    @property
    def given(self) -> frozenset[str]:
        return frozenset(self.values) | (self.model_fields_set - {"values"})

    def value(self, name: str) -> Any:
        return self.values[name] if name in FIELD_RULES else getattr(self, name)


class NotificationRequest(BaseModel):
    model_config = ConfigDict(frozen=True)

    notify_participants: bool = False
    message: str | None = Field(default=None, max_length=MAX_MESSAGE)


M = TypeVar("M")


def validated(parse: Callable[[dict[str, Any]], M], data: dict[str, Any]) -> M:
    """pydantic's first complaint becomes a BAD_USER_INPUT naming the field by its domain path."""
    try:
        return parse(data)
    except ValidationError as error:
        first = error.errors()[0]
        path = ".".join(str(part) for part in first["loc"])
        raise BadUserInput(first["msg"], field=path) from None
