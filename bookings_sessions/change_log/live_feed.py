"""The live feed behind `sessionUpdated`: one task per process follows the committed events of `changes`
and hands the sessions they name, as they are now, to this process's subscribers (docs/design.md §9).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from ..domain.errors import DomainError
from ..domain.model import Session
from ..notifications.rounds import run_rounds
from ..storage.change_log import ChangeLogStore

log = logging.getLogger("bookings_sessions.changes")

# A slow subscriber must not hold back writers or grow memory without bound: its queue drops the oldest.
QUEUE_SIZE = 256
# Events read per poll; more are read at once on the next round.
FEED_BATCH = 500

SessionLoader = Callable[[list[str]], Awaitable[list[Session | None]]]


# A published session, and the schedules its events moved it off (since it was last published).
Published = tuple[Session, frozenset[str]]


class SessionEvents:
    def __init__(self) -> None:
        self._subscribers: set[asyncio.Queue[Published]] = set()

    @property
    def has_subscribers(self) -> bool:
        return bool(self._subscribers)

    def publish(self, session: Session, left: frozenset[str] = frozenset()) -> None:
        for queue in self._subscribers:
            if queue.full():
                with contextlib.suppress(asyncio.QueueEmpty):
                    queue.get_nowait()
            queue.put_nowait((session, left))

    async def subscribe(self, schedule_id: str | None = None) -> AsyncIterator[Session]:
        """Sessions as they are after each change; with `schedule_id`, those on it and those that just
        left it (shown with their new `scheduleId`, so the subscriber drops them)."""
        queue: asyncio.Queue[Published] = asyncio.Queue(maxsize=QUEUE_SIZE)
        self._subscribers.add(queue)
        try:
            while True:
                session, left = await queue.get()
                if schedule_id is None or session.schedule_id == schedule_id or schedule_id in left:
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
    left: dict[str, set[str]] = {}
    for change in batch:
        moved_off = left.setdefault(change.session_id, set())
        if change.previous_schedule_id is not None:
            moved_off.add(change.previous_schedule_id)
    ids = list(left)
    for session_id, session in zip(ids, await load(ids), strict=True):
        if session is not None:
            events.publish(session, frozenset(left[session_id]))
    last = batch[-1].sequence if batch else None
    # A full batch may have left events for the next round; otherwise everything up to the mark is done.
    return last if last is not None and len(batch) == FEED_BATCH else committed
