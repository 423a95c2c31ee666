"""The notification dispatcher's test bench: a fast configuration, a test database with a way to record
notifications as the write path does, and running a dispatcher as the server does."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from bookings_sessions.domain.commands import NotificationRequest
from bookings_sessions.domain.notifications import outbox_entries
from bookings_sessions.domain.values import Participant
from bookings_sessions.notifications.dispatcher import Dispatcher, DispatcherConfig
from bookings_sessions.storage.client import create_client
from bookings_sessions.storage.clock import utc_now
from bookings_sessions.storage.ferretdb import EmbeddedFerretDB
from bookings_sessions.storage.outbox import OutboxStore
from bookings_sessions.storage.store import SessionStore

from .domain import make_session
from .receiver import WEBHOOK_SECRET

FAST = DispatcherConfig(
    webhook_url=None,
    webhook_secret=WEBHOOK_SECRET,
    max_attempts=5,
    poll_seconds=0.02,
    lease=timedelta(seconds=5),
    http_timeout_seconds=2.0,
    backoff_base_seconds=0.02,
    backoff_cap_seconds=0.1,
)
# Whom the notifications recorded by `Db.notify` go to.
RECIPIENTS = (
    Participant(id="p1", name="Ada", email="ada@example.com", party_size=2),
    Participant(id="p2", name="Grace", phone="+44 20 7946 0000"),
)


def config(url: str | None, **changes: Any) -> DispatcherConfig:
    return replace(FAST, webhook_url=url, **changes)


@dataclass
class Db:
    """One test database: the session store the API writes with, and the outbox the dispatcher uses."""

    ferretdb: EmbeddedFerretDB
    name: str
    sessions: SessionStore
    outbox: OutboxStore

    async def notify(self, session_id: str, message: str = "Room changed") -> str:
        """An update with `notifyParticipants: true`, as the write path records it; the entry id."""
        current = await self.sessions.load(session_id)
        if current is None:
            await self.sessions.insert(make_session(session_id, now=utc_now(), participants=RECIPIENTS))
            current = await self.sessions.load(session_id)
        assert current is not None
        request = NotificationRequest(notify_participants=True, message=message)
        now = utc_now()
        entries = outbox_entries(current, {"notes": message}, request, change_kind="UPDATED", now=now)
        written = await self.sessions.patch(
            session_id, current.revision, {"notes": message}, now=now, outbox=entries
        )
        assert written is not None
        return entries[0].id

    @contextlib.asynccontextmanager
    async def outbox_on_own_connection(self) -> AsyncIterator[OutboxStore]:
        """As another process would see the database: its own client and connections."""
        client = create_client(self.ferretdb.uri, "motor")
        try:
            yield OutboxStore(client[self.name])
        finally:
            client.close()


@contextlib.asynccontextmanager
async def running(dispatcher: Dispatcher) -> AsyncIterator[asyncio.Task[None]]:
    """The dispatcher as the server runs it: a task, cancelled at the end."""
    task = asyncio.create_task(dispatcher.run())
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while not await check():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.02)
