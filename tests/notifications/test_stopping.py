"""Background loops end when cancelled, even when a call inside a round swallowed the cancel.

PyMongo's async client can lose the cancel meant for the task awaiting it; the task still counts it
(`Task.cancelling`). A loop that went on would poll a closed client forever after shutdown, logging a
failure every round.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest

from bookings_sessions.change_log.live_feed import SessionEvents, follow_changes
from bookings_sessions.change_log.sequencer import Sequencer, SequencerConfig
from bookings_sessions.domain.changes import Change, record_change
from bookings_sessions.domain.model import Session
from bookings_sessions.storage.change_log import ChangeLogStore
from bookings_sessions.storage.clock import utc_now
from bookings_sessions.storage.store import SessionStore
from tests.support.domain import make_session

# Only a bound for a regression (the loop would otherwise never end); no speed is asserted.
HANG = 10
CONFIG = SequencerConfig(
    poll_seconds=0.01, lease=timedelta(seconds=30), retention=timedelta(days=30), scan_every=timedelta(0)
)


def swallowing_the_cancel(called: asyncio.Event) -> Callable[[], Awaitable[None]]:
    """A call that, as a driver call can, takes the cancel meant for its task and returns normally."""

    async def call() -> None:
        called.set()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.sleep(HANG)

    return call


async def cancel_and_wait(task: asyncio.Task[None], started: asyncio.Event) -> None:
    await asyncio.wait_for(started.wait(), HANG)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, HANG)


@pytest.fixture
async def log(store: SessionStore) -> ChangeLogStore:
    changes = ChangeLogStore(store.db)
    await changes.ensure_indexes(CONFIG.retention, await store.capabilities())
    return changes


async def test_the_live_feed_ends_when_a_load_swallowed_its_cancel(log: ChangeLogStore) -> None:
    events = SessionEvents()
    subscriber = asyncio.create_task(anext(aiter(events.subscribe())))
    await asyncio.sleep(0)  # subscribed
    loading = asyncio.Event()
    call = swallowing_the_cancel(loading)

    async def load(ids: list[str]) -> list[Session | None]:
        await call()
        return []

    position = await log.committed()
    feed = asyncio.create_task(follow_changes(events, log, load, poll_seconds=0.01))
    await asyncio.sleep(0.05)  # the feed has read where the log stands
    await log.commit(position + 1)
    try:
        await cancel_and_wait(feed, loading)
    finally:
        subscriber.cancel()


async def test_the_sequencer_ends_when_a_callback_swallowed_its_cancel(
    store: SessionStore, log: ChangeLogStore
) -> None:
    created = record_change(
        session_id="s1", changed={}, now=utc_now(), revision=1, schedule_id="schedule-1", created=True
    )
    await store.insert(make_session("s1"), change=created)
    moving = asyncio.Event()
    call = swallowing_the_cancel(moving)

    async def on_moved(moved: list[Change]) -> None:
        await call()

    sequencer = Sequencer(log, CONFIG, on_moved=on_moved)
    await cancel_and_wait(asyncio.create_task(sequencer.run()), moving)
    assert sequencer.held is None or await log.acquire("next", now=utc_now(), lease=CONFIG.lease)
