"""At most N writes of session documents on their way to the store at a time (FERRETDB_WRITES_AT_ONCE,
FerretDB only; docs/design.md §4, docs/performance.md lever 18).

Inside FerretDB concurrent writers contend for SQLite's one write lock, and SQLite's busy handler makes
a loser sleep between retries, so under many writers an unlucky write waits many rounds: a long tail
for every writer. Writes queued here, a few at a time, keep FerretDB busy without that contention.
A slot covers the write's round trip alone: the reads that plan it run outside, so they never queue.
"""

from __future__ import annotations

import asyncio
from contextlib import AbstractAsyncContextManager
from types import TracebackType


class _Unlimited:
    """A slot that is always free (no generator, no lock: nothing to pay per write)."""

    async def __aenter__(self) -> None:
        return None

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        return None


_UNLIMITED = _Unlimited()


class WriteSlots:
    """`slots` writes at once; 0: no limit."""

    def __init__(self, slots: int = 0) -> None:
        self._held: AbstractAsyncContextManager[object] = asyncio.Semaphore(slots) if slots else _UNLIMITED

    def held(self) -> AbstractAsyncContextManager[object]:
        """One slot for the duration of an `async with` (the semaphore itself, reused by every write)."""
        return self._held
