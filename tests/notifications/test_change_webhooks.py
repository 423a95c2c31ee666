"""Change webhooks (docs/design.md §9): each event queued by the sequencer once, delivered to the real
receiver with the notifications' signing, Idempotency-Key and retries."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import fields, replace
from datetime import timedelta

from bookings_sessions.change_log.sequencer import Sequencer, SequencerConfig
from bookings_sessions.change_log.webhooks import ChangeWebhookConfig, ChangeWebhooks
from bookings_sessions.domain.changes import record_change
from bookings_sessions.notifications.delivery import DeliveryPolicy
from bookings_sessions.storage.change_deliveries import ChangeDeliveryStore
from bookings_sessions.storage.change_log import ChangeLogStore
from bookings_sessions.storage.clock import utc_now
from bookings_sessions.storage.store import SessionStore
from tests.support.dispatching import FAST, Db, eventually
from tests.support.domain import make_session
from tests.support.receiver import WEBHOOK_SECRET, Receiver, Request

SEQUENCER = SequencerConfig(
    poll_seconds=0.01,
    lease=timedelta(seconds=30),
    retention=timedelta(days=30),
    scan_every=timedelta(minutes=5),
)


def webhook_config(url: str) -> ChangeWebhookConfig:
    # The notifications' fast test policy: the same retry machinery.
    policy = {field.name: getattr(FAST, field.name) for field in fields(DeliveryPolicy)}
    return ChangeWebhookConfig(url=url, secret=WEBHOOK_SECRET, poll_seconds=FAST.poll_seconds, **policy)


async def create(store: SessionStore, session_id: str) -> None:
    change = record_change(
        session_id=session_id, changed={}, now=utc_now(), revision=1, schedule_id="schedule-1", created=True
    )
    await store.insert(make_session(session_id, schedule_id="schedule-1"), change=change)


async def update(store: SessionStore, session_id: str, notes: str) -> None:
    change = record_change(
        session_id=session_id, changed={"notes": notes}, now=utc_now(), revision=None, schedule_id=None
    )
    assert await store.patch_if_changed(session_id, {"notes": notes}, now=utc_now(), change=change)


@contextlib.asynccontextmanager
async def delivering(webhooks: ChangeWebhooks) -> AsyncIterator[None]:
    task = asyncio.create_task(webhooks.run())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def delivering_from_the_start(db: Db) -> tuple[ChangeLogStore, ChangeDeliveryStore]:
    """The change log and the deliveries, indexed, with webhooks queued from the first event on."""
    log = ChangeLogStore(db.sessions.db)
    await log.ensure_indexes(SEQUENCER.retention, await db.sessions.capabilities())
    deliveries = ChangeDeliveryStore(db.sessions.db)
    await deliveries.ensure_delivery_indexes(await db.sessions.capabilities())
    await deliveries.start_at(0)
    return log, deliveries


async def is_sent(deliveries: ChangeDeliveryStore, key: str) -> bool:
    delivery = await deliveries.get(key)
    return delivery is not None and delivery.status == "SENT"


async def fail_first(_: Request, earlier: int) -> int:
    return 500 if earlier == 0 else 200


async def test_each_event_is_posted_signed_with_its_key_and_retried_until_acknowledged(db: Db) -> None:
    log, deliveries = await delivering_from_the_start(db)
    await create(db.sessions, "s1")
    await update(db.sessions, "s1", "moved to room 2")

    async with Receiver(WEBHOOK_SECRET, fail_first) as receiver:
        webhooks = ChangeWebhooks(deliveries, webhook_config(receiver.url))
        assert await Sequencer(log, SEQUENCER, owner="me", on_moved=webhooks.queue).step()
        async with delivering(webhooks):
            await receiver.wait_for(lambda: receiver.acknowledged() == {"s1:1": 1, "s1:2": 1})
            # The receiver has answered; the delivery is recorded once the deliverer has read the answer.
            await eventually(lambda: is_sent(deliveries, "s1:2"))

    assert receiver.bad_signatures == 0
    assert [request.key for request in receiver.requests].count("s1:2") == 2  # once failed, once sent
    bodies = {request.key: request.json for request in receiver.requests}
    assert bodies["s1:2"] == {
        "sequence": 2,
        "kind": "UPDATED",
        "sessionId": "s1",
        "scheduleId": "schedule-1",
        "revision": 2,
        "changedFields": ["notes"],
        "at": bodies["s1:2"]["at"],
    }
    sent = await deliveries.get("s1:2")
    assert sent is not None and (sent.status, sent.attempts) == ("SENT", 2)


async def test_a_holder_that_died_before_queueing_is_caught_up_and_nothing_is_queued_twice(db: Db) -> None:
    log, deliveries = await delivering_from_the_start(db)
    webhooks = ChangeWebhooks(deliveries, webhook_config("http://127.0.0.1:9/unused"))

    await create(db.sessions, "s1")
    # Numbered and committed by a holder that died before its `on_moved`.
    assert await Sequencer(log, replace(SEQUENCER, lease=timedelta(0)), owner="dead").step()
    assert await deliveries.records.count_documents({}) == 0

    await create(db.sessions, "s2")
    sequencer = Sequencer(log, SEQUENCER, owner="next", on_moved=webhooks.queue)
    assert await sequencer.step()
    keys = sorted(doc["_id"] for doc in await deliveries.records.find({}).to_list(length=None))
    assert keys == ["s1:1", "s2:1"]

    # Queued again (a re-move, a second holder): still one record each.
    events, _, _ = await log.page(after=None, first=10)
    assert await deliveries.queue(events) == 0
    assert await deliveries.records.count_documents({}) == 2
    assert await deliveries.queued() == 2


async def test_turned_on_it_starts_from_the_newest_event_not_the_whole_log(db: Db) -> None:
    log = ChangeLogStore(db.sessions.db)
    await log.ensure_indexes(SEQUENCER.retention, await db.sessions.capabilities())
    await create(db.sessions, "old")
    assert await Sequencer(log, SEQUENCER, owner="me").step()
    deliveries = ChangeDeliveryStore(db.sessions.db)

    await deliveries.start_at(await log.committed())
    await deliveries.catch_up()

    assert await deliveries.records.count_documents({}) == 0
    assert await deliveries.queued() == 1
