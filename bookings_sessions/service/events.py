"""In-process change feed: every session written through this process, for `sessionUpdated`."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from ..domain.model import Session

# A slow subscriber must not hold back writers or grow memory without bound: its queue drops the oldest.
QUEUE_SIZE = 256


class SessionEvents:
    def __init__(self) -> None:
        self._subscribers: set[asyncio.Queue[Session]] = set()

    def publish(self, session: Session) -> None:
        for queue in self._subscribers:
            if queue.full():
                with contextlib.suppress(asyncio.QueueEmpty):
                    queue.get_nowait()
            queue.put_nowait(session)

    async def subscribe(self, schedule_id: str | None = None) -> AsyncIterator[Session]:
        queue: asyncio.Queue[Session] = asyncio.Queue(maxsize=QUEUE_SIZE)
        self._subscribers.add(queue)
        try:
            while True:
                session = await queue.get()
                if schedule_id is None or session.schedule_id == schedule_id:
                    yield session
        finally:
            self._subscribers.discard(queue)
