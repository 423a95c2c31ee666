"""The per-session write lock, serialising writes to one session document within this process, and the one
compare-and-swap retry loop every guarded write uses (docs/design.md §4).
"""

from __future__ import annotations

import asyncio
import random
import weakref
from collections.abc import Awaitable, Callable
from typing import TypeVar

# How often a writer re-reads and re-plans after losing a compare-and-swap before it answers CONFLICT.
MAX_WRITE_ATTEMPTS = 8

T = TypeVar("T")


async def compare_and_swap(attempt: Callable[[], Awaitable[T | None]], *, backoff: bool = False) -> T | None:
    """Runs `attempt` (read, plan, one guarded write) until it answers something other than None, which
    means it lost the race to another writer, at most MAX_WRITE_ATTEMPTS times; None if it always lost.
    `backoff`: a short random sleep after each loss, growing, so writers in other processes that lost
    together do not collide again at once."""
    for number in range(MAX_WRITE_ATTEMPTS):
        answer = await attempt()
        if answer is not None:
            return answer
        if backoff:
            await asyncio.sleep(random.uniform(0, 0.005 * 2**number))
    return None


class KeyedLocks:
    """One `asyncio.Lock` per key, kept only while someone holds or awaits it."""

    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    def __call__(self, key: str) -> asyncio.Lock:
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        return lock


session_lock = KeyedLocks()
