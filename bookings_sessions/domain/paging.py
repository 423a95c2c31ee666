"""Paging for every paged field: one cursor codec, one page-size rule, and what a page request asks.

A cursor is the base64url of its key: an (instant, id) pair for lists sorted by time, or a sequence
number for the change feed (docs/design.md §9). Pages follow the GraphQL Cursor Connections
specification: `first`/`after` forwards, and `last`/`before` backwards where a listing serves it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from . import unpadded_base64
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
        raw = f"{SEQUENCE_PREFIX}{key}"
    else:
        moment, item_id = key
        raw = f"{as_utc(moment).isoformat()}|{item_id}"
    return unpadded_base64.encode(raw)


def _cursor_text(cursor: str) -> str:
    text = unpadded_base64.decode(cursor)
    if text is None:
        raise ValueError(cursor)
    return text


def _not_ours(field: str = "after") -> BadUserInput:
    # Opaque to clients; a cursor that is not one of ours is the client's error, named as its argument.
    return BadUserInput("not a cursor from this API", field=field)


def decode_cursor(cursor: str, field: str = "after") -> SortKey:
    try:
        moment, _, item_id = _cursor_text(cursor).partition("|")
        if not item_id:
            raise ValueError(cursor)
        return as_utc(datetime.fromisoformat(moment)), item_id
    except (ValueError, OverflowError):
        raise _not_ours(field) from None


def decode_sequence_cursor(cursor: str) -> int:
    try:
        text = _cursor_text(cursor)
        if not text.startswith(SEQUENCE_PREFIX):
            raise ValueError(cursor)
        number = int(text.removeprefix(SEQUENCE_PREFIX))
        if number < 0:
            raise ValueError(cursor)
        return number
    except ValueError:
        raise _not_ours() from None


def page_size(first: int | None, *, default: int, maximum: int, field: str = "first") -> int:
    size = default if first is None else first
    if not 1 <= size <= maximum:
        raise BadUserInput(f"must be between 1 and {maximum}", field=field)
    return size


@dataclass(frozen=True, slots=True)
class PageRequest:
    """What `first`/`after`/`last`/`before` ask of a list sorted by `SortKey`: the items strictly
    between the two cursors, then the first `size` of them, or the last `size` when `backward`."""

    size: int
    after: SortKey | None = None
    before: SortKey | None = None
    backward: bool = False

    def admits(self, key: SortKey) -> bool:
        return (self.after is None or key > self.after) and (self.before is None or key < self.before)

    def page(self, found: list[T], key: Callable[[T], CursorKey]) -> Page[T]:
        """The page from up to `size + 1` items read in the request's direction (nearest first)."""
        more = len(found) > self.size
        items = found[: self.size]
        if self.backward:
            # Paging backwards, the spec asks whether more lie before; whether any follow may be false.
            return Page.of(items[::-1], False, key, has_previous_page=more)
        return Page.of(items, more, key)


def page_request(
    first: int | None,
    after: str | None,
    last: int | None = None,
    before: str | None = None,
    *,
    default: int,
    maximum: int,
) -> PageRequest:
    if first is not None and last is not None:
        raise BadUserInput("give first or last, not both", field="last")
    return PageRequest(
        size=(
            page_size(first, default=default, maximum=maximum)
            if last is None
            else page_size(last, default=default, maximum=maximum, field="last")
        ),
        after=None if after is None else decode_cursor(after),
        before=None if before is None else decode_cursor(before, "before"),
        backward=last is not None,
    )


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page: the items with their cursors, and whether more follow (or, paging backwards, precede)."""

    items: list[T]
    cursors: list[str]
    has_next_page: bool
    # What an empty page answers as its end: the change feed keeps the caller's position, so a
    # consumer can always follow `endCursor`.
    resume_cursor: str | None = None
    has_previous_page: bool = False

    @classmethod
    def of(
        cls,
        items: list[T],
        has_next_page: bool,
        key: Callable[[T], CursorKey],
        *,
        resume_cursor: str | None = None,
        has_previous_page: bool = False,
    ) -> Page[T]:
        cursors = [encode_cursor(key(item)) for item in items]
        return cls(items, cursors, has_next_page, resume_cursor, has_previous_page)

    @property
    def start_cursor(self) -> str | None:
        return self.cursors[0] if self.cursors else self.resume_cursor

    @property
    def end_cursor(self) -> str | None:
        return self.cursors[-1] if self.cursors else self.resume_cursor
