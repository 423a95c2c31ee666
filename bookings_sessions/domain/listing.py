"""Listing sessions: filters, time windows, and keyset cursors over (start, id)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

from .errors import BadUserInput
from .model import Session
from .paging import PageRequest, SortKey
from .timezones import checked_instant
from .values import RecurrenceType, SessionStatus, SessionType

MAX_PAGE = 500
DEFAULT_PAGE = 50
MAX_WINDOW = timedelta(days=366)  # "at most one year", leap years included


class SessionFilter(BaseModel):
    model_config = ConfigDict(frozen=True)

    schedule_id: str | None = Field(default=None, max_length=200)
    schedule_owner_id: str | None = Field(default=None, max_length=200)
    type: SessionType | None = None
    status: SessionStatus | None = None
    tags: tuple[str, ...] | None = Field(default=None, max_length=50)
    schedule_ids: tuple[str, ...] | None = Field(default=None, max_length=50)  # any of them
    recurring_session_id: str | None = Field(default=None, max_length=200)  # its instances only
    tags_any: tuple[str, ...] | None = Field(default=None, max_length=50)
    recurrence_types: tuple[RecurrenceType, ...] | None = Field(default=None, max_length=4)

    def matches(self, session: Session) -> bool:
        """The same test the database applies to stored sessions, for computed instances."""
        return (
            (self.schedule_id is None or session.schedule_id == self.schedule_id)
            and (self.schedule_ids is None or session.schedule_id in self.schedule_ids)
            and (
                self.recurring_session_id is None or session.recurring_session_id == self.recurring_session_id
            )
            and (self.tags_any is None or bool(set(self.tags_any) & set(session.tags)))
            and (self.recurrence_types is None or session.recurrence_type in self.recurrence_types)
            and (self.schedule_owner_id is None or session.schedule_owner_id == self.schedule_owner_id)
            and (self.type is None or session.type == self.type)
            and (self.status is None or session.status == self.status)
            and (not self.tags or set(self.tags) <= set(session.tags))
        )


class Window(BaseModel):
    model_config = ConfigDict(frozen=True)

    start: datetime
    end: datetime


def check_window(window_from: datetime, window_to: datetime) -> Window:
    start, end = checked_instant(window_from, "window.from"), checked_instant(window_to, "window.to")
    if end <= start:
        raise BadUserInput("must be after window.from", field="window.to")
    if end - start > MAX_WINDOW:
        raise BadUserInput("at most one year at a time", field="window")
    return Window(start=start, end=end)


def sort_key(session: Session) -> SortKey:
    return (session.start.utc, session.id)


def merge_page(groups: Iterable[Iterable[Session]], request: PageRequest) -> list[Session]:
    """One page's candidates across stored and computed sessions, nearest the cursor first (up to
    size + 1, as `PageRequest.page` takes them); each group is already limited to size + 1."""
    candidates = sorted(
        (session for group in groups for session in group if request.admits(sort_key(session))),
        key=sort_key,
        reverse=request.backward,
    )
    return candidates[: request.size + 1]
