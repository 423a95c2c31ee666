"""At most N writes of session documents on their way to the store at a time (FERRETDB_WRITES_AT_ONCE,
FerretDB only; docs/design.md §4, docs/performance.md lever 18).

Inside FerretDB concurrent writers contend for SQLite's one write lock, and SQLite's busy handler makes
a loser sleep between retries, so under many writers an unlucky write waits many rounds: a long tail
for every writer. Writes queued here, a few at a time, keep FerretDB busy without that contention.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator


class WriteSlots:
    """`slots` writes at once; 0: no limit."""

    def __init__(self, slots: int = 0) -> None:
        self._slots = asyncio.Semaphore(slots) if slots else None

    @contextlib.asynccontextmanager
    async def held(self) -> AsyncIterator[None]:
        if self._slots is None:
            yield
            return
        async with self._slots:
            yield
