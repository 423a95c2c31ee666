"""Bulk writes: up to MAX_ITEMS writes in one call, each by the one-by-one use case, concurrently (creates
share one insert) but in item order per session; one item's failure never stops another
(docs/design.md §4, "Bulk writes").
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Final, TypeVar

from ..domain.errors import BadUserInput
from ..domain.model import Session
from ..domain.recurrence import parse_instance_id

MAX_ITEMS: Final = 50

Item = TypeVar("Item")
Outcome = Session | Exception


def check_count(count: int, earlier: int = 0) -> None:
    """A call with no items or too many is refused whole, before anything is written. `earlier`: items
    of the request's bulk calls before this one (aliases must not multiply the bound)."""
    if count < 1:
        raise BadUserInput("give at least one item", field="items")
    if earlier + count > MAX_ITEMS:
        given = f"{count} were given" if not earlier else f"{count} more were given after {earlier}"
        raise BadUserInput(f"at most {MAX_ITEMS} items per request; {given}", field="items")


def written_together(session_id: str) -> str:
    """The id whose writes an item's writes queue behind: a series' for its instances."""
    parsed = parse_instance_id(session_id)
    return session_id if parsed is None else parsed[0]


async def each(
    items: Sequence[Item],
    write: Callable[[Item], Awaitable[Session]],
    key: Callable[[Item], str | None] = lambda _: None,
    earlier: int = 0,
) -> list[Outcome]:
    """Every item written by `write`, outcomes in item order; items with the same `key` in turn."""
    check_count(len(items), earlier)
    last: dict[str, asyncio.Future[Outcome]] = {}
    tasks: list[asyncio.Future[Outcome]] = []
    for item in items:
        name = key(item)
        task = asyncio.ensure_future(_one(write, item, None if name is None else last.get(name)))
        if name is not None:
            last[name] = task
        tasks.append(task)
    return list(await asyncio.gather(*tasks))


async def _one(
    write: Callable[[Item], Awaitable[Session]], item: Item, after: asyncio.Future[Outcome] | None
) -> Outcome:
    if after is not None:
        await asyncio.wait([after])  # only its turn: the earlier item's outcome is its own
    try:
        return await write(item)
    except Exception as error:  # the item's answer, not the call's
        return error
