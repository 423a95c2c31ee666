"""Paging for every paged field: one cursor codec over (instant, id) keys and one page-size rule."""

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


def encode_cursor(key: SortKey) -> str:
    moment, item_id = key
    raw = f"{as_utc(moment).isoformat()}|{item_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> SortKey:
    """Opaque to clients; a cursor that is not one of ours is the client's error, named as `after`."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        moment, _, item_id = text.partition("|")
        if not item_id:
            raise ValueError(cursor)
        return as_utc(datetime.fromisoformat(moment)), item_id
    except (binascii.Error, UnicodeDecodeError, ValueError, OverflowError):
        raise BadUserInput("not a cursor from this API", field="after") from None


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

    @classmethod
    def of(cls, items: list[T], has_next_page: bool, key: Callable[[T], SortKey]) -> Page[T]:
        return cls(items, [encode_cursor(key(item)) for item in items], has_next_page)

    @property
    def end_cursor(self) -> str | None:
        return self.cursors[-1] if self.cursors else None
