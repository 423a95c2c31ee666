"""At most FERRETDB_WRITES_AT_ONCE writes of session documents on their way to FerretDB at a time; a slot
covers the write's round trip alone (docs/design.md §4; docs/performance.md lever 18).
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
