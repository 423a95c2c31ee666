"""The live feed behind `sessionUpdated`: the change log, followed by one task per process.

Every process follows the committed events of `changes` (docs/design.md §9), whichever process made
them, and hands the sessions they name, as they are now, to this process's subscribers. So a
subscriber on any process sees writes made through every other.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from ..domain.errors import DomainError
from ..domain.model import Session
from ..notifications.rounds import run_rounds
from ..storage.changes import ChangeLogStore

log = logging.getLogger("bookings_sessions.changes")

# A slow subscriber must not hold back writers or grow memory without bound: its queue drops the oldest.
QUEUE_SIZE = 256
# Events read per poll; more are read at once on the next round.
FEED_BATCH = 500

SessionLoader = Callable[[list[str]], Awaitable[list[Session | None]]]


class SessionEvents:
    def __init__(self) -> None:
        self._subscribers: set[asyncio.Queue[Session]] = set()

    @property
    def has_subscribers(self) -> bool:
        return bool(self._subscribers)

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


async def follow_changes(
    events: SessionEvents, changes: ChangeLogStore, load: SessionLoader, *, poll_seconds: float
) -> None:
    """Until cancelled: every `poll_seconds`, publish the sessions named by newly committed events.

    Starts at the newest committed event (subscribers get what happens from now on). Several events
    of one session in a round are published once, as the session is now; a subscriber wants the
    current state, and the change log (`changes`) keeps every step for those who need it.
    """
    position = await changes.committed()

    async def one_round() -> bool:
        nonlocal position
        try:
            position = await _publish_new(events, changes, load, position)
        except DomainError as error:  # the database is away: try again next round
            log.warning("live feed: %s", error.message)
        return False

    await run_rounds(one_round, poll_seconds=poll_seconds, log=log, what="live feed")


async def _publish_new(
    events: SessionEvents, changes: ChangeLogStore, load: SessionLoader, position: int
) -> int:
    committed = await changes.committed()
    if committed <= position:
        return committed  # nothing new (or a log that was reset: follow it from its mark)
    if not events.has_subscribers:
        return committed
    batch = await changes.between(position, committed, limit=FEED_BATCH)
    ids = list(dict.fromkeys(change.session_id for change in batch))
    for session in await load(ids):
        if session is not None:
            events.publish(session)
    last = batch[-1].sequence if batch else None
    # A full batch may have left events for the next round; otherwise everything up to the mark is done.
    return last if last is not None and len(batch) == FEED_BATCH else committed
