"""`changes(after, first, filter)`: the change log, oldest first, followed with a cursor (§9)."""

from __future__ import annotations

from typing import Any

from ..domain.changes import Change
from ..domain.paging import Page, decode_sequence_cursor, encode_cursor, page_size
from ..storage.change_log import ChangeLogStore

DEFAULT_PAGE = 100
MAX_PAGE = 1000


def _sequence(change: Change) -> int:
    assert change.sequence is not None
    return change.sequence


async def list_changes(
    changes: ChangeLogStore, *, after: str | None, first: int | None, filter: dict[str, Any] | None
) -> Page[Change]:
    size = page_size(first, default=DEFAULT_PAGE, maximum=MAX_PAGE)
    position = None if after is None else decode_sequence_cursor(after)
    schedule_ids = (filter or {}).get("schedule_ids")
    items, has_next, committed = await changes.page(
        after=position, first=size, schedule_ids=None if schedule_ids is None else list(schedule_ids)
    )
    # An empty page means nothing (that matches) up to the committed mark: its end is that mark, so a
    # consumer always has an `endCursor` to follow and a filtered one does not re-read the stretch.
    return Page.of(items, has_next, _sequence, resume_cursor=encode_cursor(committed))
