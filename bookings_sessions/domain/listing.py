"""Listing sessions: filters, time windows, and keyset cursors over (start, id)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

from .errors import BadUserInput
from .model import Session, SessionStatus, SessionType
from .timezones import as_utc

MAX_PAGE = 500
DEFAULT_PAGE = 50
MAX_WINDOW = timedelta(days=366)  # "at most one year", leap years included

SortKey = tuple[datetime, str]


class SessionFilter(BaseModel):
    model_config = ConfigDict(frozen=True)

    schedule_id: str | None = Field(default=None, max_length=200)
    schedule_owner_id: str | None = Field(default=None, max_length=200)
    type: SessionType | None = None
    status: SessionStatus | None = None
    tags: tuple[str, ...] | None = Field(default=None, max_length=50)

    def matches(self, session: Session) -> bool:
        """The same test the database applies to stored sessions, for computed instances."""
        return (
            (self.schedule_id is None or session.schedule_id == self.schedule_id)
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
    start, end = as_utc(window_from), as_utc(window_to)
    if end <= start:
        raise BadUserInput("window.to must be after window.from", field="window.to")
    if end - start > MAX_WINDOW:
        raise BadUserInput("window: at most one year at a time", field="window")
    return Window(start=start, end=end)


def check_page_size(first: int | None) -> int:
    size = DEFAULT_PAGE if first is None else first
    if not 1 <= size <= MAX_PAGE:
        raise BadUserInput(f"first must be between 1 and {MAX_PAGE}", field="first")
    return size


def sort_key(session: Session) -> SortKey:
    return (session.start.utc, session.id)


def encode_cursor(session: Session) -> str:
    raw = f"{session.start.utc.isoformat()}|{session.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> SortKey:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        moment, _, session_id = text.partition("|")
        if not session_id:
            raise ValueError(cursor)
        return as_utc(datetime.fromisoformat(moment)), session_id
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadUserInput("after: not a cursor from this API", field="after") from None


def merge_page(
    groups: Iterable[Iterable[Session]], after: SortKey | None, size: int
) -> tuple[list[Session], bool]:
    """One page across stored and computed sessions; each group is already limited to size + 1."""
    candidates = sorted(
        (session for group in groups for session in group if after is None or sort_key(session) > after),
        key=sort_key,
    )
    return candidates[:size], len(candidates) > size
