"""Calendar feeds: what an admin mints, the secret token it is read with (shown once, kept as its SHA-256,
apart from the feed's id), and the span a feed covers (docs/calendars.md; docs/design.md §6).
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import UTC, date, datetime, timedelta
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field

from .errors import BadUserInput

# 256 bits from the OS: a token cannot be guessed, so a bad one needs no rate limit to stay safe.
TOKEN_BYTES = 32
MAX_TOKEN_LENGTH = 100  # a URL-safe 32-byte token is 43 characters; anything much longer is not ours
MAX_SCHEDULE_ID = 200
# What a feed covers: single sessions from the first of the month three months back to fifteen months
# on from there (a year ahead, at least); a series from the same date on, as its rule says, unbounded.
MONTHS_BACK = 3
MONTHS_COVERED = 15
# Bounds on the work of one feed request: beyond these, the earliest are kept (docs/calendars.md).
MAX_FEED_SINGLES = 5000
MAX_FEED_SERIES = 500
MAX_FEED_EXCEPTIONS = 5000


class CalendarFeed(BaseModel):
    """A feed as stored: which schedule it shows, whether private fields too, and its token's hash."""

    model_config = ConfigDict(frozen=True)

    id: str
    schedule_id: str = Field(min_length=1, max_length=MAX_SCHEDULE_ID)
    token_hash: str
    include_private: bool = False
    created_date: datetime
    created_by: str | None = None

    def url(self, token: str) -> str:
        """The feed's path with its token, as calendar apps subscribe to it (relative to the server)."""
        return f"/calendars/{quote(self.schedule_id, safe='')}.ics?token={quote(token, safe='')}"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_feed(
    schedule_id: str, include_private: bool, now: datetime, created_by: str | None
) -> tuple[CalendarFeed, str]:
    """A new feed and its token (shown once, never stored)."""
    if not 1 <= len(schedule_id) <= MAX_SCHEDULE_ID:
        raise BadUserInput(f"must have 1 to {MAX_SCHEDULE_ID} characters", field="schedule_id")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    feed = CalendarFeed(
        id=str(uuid.uuid4()),
        schedule_id=schedule_id,
        token_hash=token_hash(token),
        include_private=include_private,
        created_date=now,
        created_by=created_by,
    )
    return feed, token


def opens(feed: CalendarFeed | None, schedule_id: str) -> bool:
    """Whether the feed found by a token's hash is the one for this schedule (a token of another
    schedule's feed opens nothing, so both answer alike: not found)."""
    return feed is not None and feed.schedule_id == schedule_id


def plausible_token(token: str | None) -> bool:
    """A token worth looking up: present and of a sane length (anything else is not found at once)."""
    return token is not None and 1 <= len(token) <= MAX_TOKEN_LENGTH


class FeedWindow(BaseModel):
    """The span a feed covers: from `first_day` (UTC midnight `start`) to `end`."""

    model_config = ConfigDict(frozen=True)

    first_day: date
    start: datetime
    end: datetime


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def feed_window(now: datetime) -> FeedWindow:
    """Anchored at the first of a month, so a feed's content (and its ETag) moves once a month, not at
    every request, when nothing was written."""
    first = _add_months(now.astimezone(UTC).date().replace(day=1), -MONTHS_BACK)
    last = _add_months(first, MONTHS_COVERED)
    start = datetime(first.year, first.month, first.day, tzinfo=UTC)
    return FeedWindow(first_day=first, start=start, end=start + timedelta(days=(last - first).days))
