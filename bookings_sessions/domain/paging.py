"""Paging for every paged field: one cursor codec (base64url of an (instant, id) key, or of a sequence number
for the change feed) and one page-size rule (docs/design.md §6, §9).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from .errors import BadUserInput
from .timezones import as_utc

T = TypeVar("T")
# Items are ordered by an instant, then an id that breaks ties: stable under inserts elsewhere.
SortKey = tuple[datetime, str]
# The change feed's position: a sequence number, so every key is one of the two.
CursorKey = SortKey | int
SEQUENCE_PREFIX = "seq:"


def encode_cursor(key: CursorKey) -> str:
    if isinstance(key, int):
        raw = f"{SEQUENCE_PREFIX}{key}".encode()
    else:
        moment, item_id = key
        raw = f"{as_utc(moment).isoformat()}|{item_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _cursor_text(cursor: str) -> str:
    return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()


def _not_ours() -> BadUserInput:
    # Opaque to clients; a cursor that is not one of ours is the client's error, named as `after`.
    return BadUserInput("not a cursor from this API", field="after")


def decode_cursor(cursor: str) -> SortKey:
    try:
        moment, _, item_id = _cursor_text(cursor).partition("|")
        if not item_id:
            raise ValueError(cursor)
        return as_utc(datetime.fromisoformat(moment)), item_id
    except (binascii.Error, UnicodeDecodeError, ValueError, OverflowError):
        raise _not_ours() from None


def decode_sequence_cursor(cursor: str) -> int:
    try:
        text = _cursor_text(cursor)
        if not text.startswith(SEQUENCE_PREFIX):
            raise ValueError(cursor)
        number = int(text.removeprefix(SEQUENCE_PREFIX))
        if number < 0:
            raise ValueError(cursor)
        return number
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise _not_ours() from None


def page_size(first: int | None, *, default: int, maximum: int) -> int:
    size = default if first is None else first
    if not 1 <= size <= maximum:
        raise BadUserInput(f"must be between 1 and {maximum}", field="first")
    return size


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page: the items with their cursors, and whether more follow."""

    items: list[T]
    cursors: list[str]
    has_next_page: bool
    # What an empty page answers as its end: the change feed keeps the caller's position, so a
    # consumer can always follow `endCursor`.
    resume_cursor: str | None = None

    @classmethod
    def of(
        cls,
        items: list[T],
        has_next_page: bool,
        key: Callable[[T], CursorKey],
        *,
        resume_cursor: str | None = None,
    ) -> Page[T]:
        return cls(items, [encode_cursor(key(item)) for item in items], has_next_page, resume_cursor)

    @property
    def end_cursor(self) -> str | None:
        return self.cursors[-1] if self.cursors else self.resume_cursor
