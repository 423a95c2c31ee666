"""Several dispatchers on one database: every notification reaches the receiver exactly once.

The receiver deduplicates nothing; counting requests by Idempotency-Key shows what it really got.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx

from bookings_sessions.domain.notifications import Notification
from bookings_sessions.notifications.dispatcher import Dispatcher
from tests.support.dispatching import Db, config, eventually, running
from tests.support.receiver import WEBHOOK_SECRET, Receiver, Request

SESSIONS = 30
PER_SESSION = 2


class CountingDispatcher(Dispatcher):
    delivered = 0

    async def deliver(self, http: httpx.AsyncClient, url: str, claimed: Notification) -> None:
        self.delivered += 1
        await super().deliver(http, url, claimed)


async def a_little_slow(_: Request, __: int) -> int:
    await asyncio.sleep(0.005)  # so the dispatchers' rounds overlap
    return 200


async def many_notifications(db: Db) -> set[str]:
    ids = set()
    for number in range(SESSIONS):
        for round_ in range(PER_SESSION):
            ids.add(await db.notify(f"s{number}", message=f"update {round_}"))
    return ids


async def all_sent(db: Db, count: int) -> bool:
    return await db.outbox.notifications.count_documents({"status": "SENT"}) == count


async def test_two_dispatchers_on_separate_connections_deliver_each_notification_once(db: Db) -> None:
    ids = await many_notifications(db)

    async with (
        Receiver(WEBHOOK_SECRET, a_little_slow) as receiver,
        db.outbox_on_own_connection() as outbox_a,
        db.outbox_on_own_connection() as outbox_b,
    ):
        first = CountingDispatcher(outbox_a, config(receiver.url))
        second = CountingDispatcher(outbox_b, config(receiver.url))
        async with running(first), running(second):
            await eventually(lambda: all_sent(db, len(ids)), within=30)
            await asyncio.sleep(0.2)

    assert receiver.bad_signatures == 0
    assert set(receiver.acknowledged()) == ids
    assert all(count == 1 for count in receiver.acknowledged().values())
    assert len(receiver.requests) == len(ids)  # not even an unacknowledged duplicate
    assert first.delivered > 0 and second.delivered > 0
    docs = await db.outbox.notifications.find({}).to_list(length=None)
    assert {doc["attempts"] for doc in docs} == {1}


@contextlib.asynccontextmanager
async def dispatch_process(db: Db, url: str, log: Path) -> AsyncIterator[asyncio.subprocess.Process]:
    """`bookings-sessions dispatch` as a separate OS process, stopped with SIGTERM (then killed)."""
    env = {
        **os.environ,
        "MONGODB_URI": db.ferretdb.uri,
        "MONGODB_DATABASE": db.name,
        "NOTIFICATION_WEBHOOK_URL": url,
        "NOTIFICATION_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "NOTIFICATION_POLL_SECONDS": "0.02",
        "NOTIFICATION_LEASE_SECONDS": "5",
        "NOTIFICATION_HTTP_TIMEOUT_SECONDS": "2",
        "LOG_LEVEL": "WARNING",
    }
    with log.open("wb") as output:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bookings_sessions", "dispatch", env=env, stdout=output, stderr=output
        )
    try:
        yield process
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 10)
            except TimeoutError:
                process.kill()
                await process.wait()


async def test_the_dispatch_command_and_a_server_dispatcher_share_the_work_exactly_once(
    db: Db, tmp_path: Path
) -> None:
    ids = await many_notifications(db)
    log = tmp_path / "dispatch.log"

    async with Receiver(WEBHOOK_SECRET, a_little_slow) as receiver:
        async with dispatch_process(db, receiver.url, log) as process:
            await receiver.wait_for(lambda: len(receiver.requests) > 0, within=30)
            in_process = CountingDispatcher(db.outbox, config(receiver.url))
            async with running(in_process):
                await eventually(lambda: all_sent(db, len(ids)), within=30)
                await asyncio.sleep(0.2)
        assert process.returncode == 0, log.read_text()  # SIGTERM: a clean, cancelled shutdown

    assert set(receiver.acknowledged()) == ids
    assert all(count == 1 for count in receiver.acknowledged().values())
    assert len(receiver.requests) == len(ids)
    assert 0 < in_process.delivered < len(ids)  # both processes delivered some
