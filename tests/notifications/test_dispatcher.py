"""The dispatcher against a real HTTP receiver on loopback and the real FerretDB."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

from bookings_sessions.notifications.dispatcher import Dispatcher
from bookings_sessions.notifications.webhook import signature
from bookings_sessions.storage.clock import utc_now
from tests.support.dispatching import Db, config, eventually, running
from tests.support.receiver import WEBHOOK_SECRET, Receiver, Request


async def status_of(db: Db, notification_id: str) -> str | None:
    found = await db.outbox.get(notification_id)
    return None if found is None else found.status.value


async def test_delivers_signed_json_with_an_idempotency_key(db: Db) -> None:
    nid = await db.notify("s1", message="Class moved to room 2")
    async with Receiver(WEBHOOK_SECRET) as receiver, running(Dispatcher(db.outbox, config(receiver.url))):
        await receiver.wait_for(lambda: bool(receiver.answered))
        await eventually(lambda: _is(db, nid, "SENT"))

    [request] = receiver.requests
    assert receiver.bad_signatures == 0
    assert request.method == "POST" and request.path == "/hooks/sessions"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["x-signature-sha256"] == signature(request.body, WEBHOOK_SECRET)
    assert request.key == nid
    body = request.json
    assert body["id"] == nid and body["sessionId"] == "s1" and body["kind"] == "UPDATED"
    assert body["message"] == "Class moved to room 2"
    assert [(r["id"], r["email"], r["partySize"]) for r in body["recipients"]] == [
        ("p1", "ada@example.com", 2),
        ("p2", None, 1),
    ]
    assert body["createdDate"].endswith("Z")
    sent = await db.outbox.get(nid)
    assert sent is not None and sent.attempts == 1 and sent.sent_date is not None and sent.last_error is None


async def _is(db: Db, notification_id: str, status: str) -> bool:
    return await status_of(db, notification_id) == status


async def test_failing_twice_then_succeeding_is_delivered_once_after_three_attempts(db: Db) -> None:
    async def flaky(_: Request, earlier: int) -> int:
        return 500 if earlier < 2 else 200

    nid = await db.notify("s1")
    async with (
        Receiver(WEBHOOK_SECRET, flaky) as receiver,
        running(Dispatcher(db.outbox, config(receiver.url))),
    ):
        await eventually(lambda: _is(db, nid, "SENT"))
        await asyncio.sleep(0.2)  # a few more polls: nothing more may arrive

    assert [status for _, status in receiver.answered] == [500, 500, 200]
    assert receiver.acknowledged() == {nid: 1}
    assert len({request.body for request in receiver.requests}) == 1  # byte-identical retries
    sent = await db.outbox.get(nid)
    assert sent is not None
    assert (sent.status, sent.attempts, sent.last_error) == ("SENT", 3, "HTTP 500: ok")


async def test_gives_up_after_max_attempts_and_keeps_the_notification(db: Db) -> None:
    async def down(_: Request, __: int) -> int:
        return 503

    nid = await db.notify("s1")
    async with (
        Receiver(WEBHOOK_SECRET, down) as receiver,
        running(Dispatcher(db.outbox, config(receiver.url, max_attempts=3))),
    ):
        await eventually(lambda: _is(db, nid, "FAILED"))
        await asyncio.sleep(0.2)

    assert len(receiver.requests) == 3
    failed = await db.outbox.get(nid)
    assert failed is not None
    assert (failed.attempts, failed.last_error) == (3, "HTTP 503: ok")


async def test_unreachable_receiver_is_an_attempt_with_the_error_recorded(db: Db) -> None:
    async with Receiver(WEBHOOK_SECRET) as receiver:
        url = receiver.url  # closed below: nothing listens there any more
    nid = await db.notify("s1")

    async with running(Dispatcher(db.outbox, config(url, max_attempts=2))):
        await eventually(lambda: _is(db, nid, "FAILED"))

    failed = await db.outbox.get(nid)
    assert failed is not None and failed.attempts == 2
    assert failed.last_error is not None and failed.last_error.startswith("ConnectError")


async def test_cancelled_mid_delivery_and_restarted_delivers_and_loses_nothing(db: Db) -> None:
    never = asyncio.Event()
    blocked: list[Request] = []

    async def blocks_first(request: Request, _: int) -> int:
        if not blocked:
            blocked.append(request)
            await never.wait()  # until the receiver shuts down: the dispatcher is cancelled meanwhile
        return 200

    nid = await db.notify("s1")
    other = await db.notify("s2")
    async with Receiver(WEBHOOK_SECRET, blocks_first) as receiver:
        # A long lease: only the lease handed back on cancellation lets the restart deliver in time.
        slow_lease = config(receiver.url, lease=timedelta(seconds=60), http_timeout_seconds=30)
        first = asyncio.create_task(Dispatcher(db.outbox, slow_lease).run())
        await receiver.wait_for(lambda: len(receiver.requests) == 1)
        first.cancel()
        await asyncio.gather(first, return_exceptions=True)
        assert first.cancelled()

        in_flight = receiver.requests[0].key
        stopped = await db.outbox.get(in_flight)
        assert stopped is not None and (stopped.status, stopped.attempts) == ("PENDING", 0)

        async with running(Dispatcher(db.outbox, slow_lease)):
            await eventually(lambda: _both_sent(db, nid, other))

    assert receiver.acknowledged() == {nid: 1, other: 1}
    # The interrupted POST is sent again with the same key: at least once, never lost.
    assert [request.key for request in receiver.requests].count(in_flight) == 2


async def _both_sent(db: Db, *ids: str) -> bool:
    return all([await _is(db, nid, "SENT") for nid in ids])


async def test_a_dead_dispatchers_lease_expires_and_another_takes_over(db: Db) -> None:
    nid = await db.notify("s1")
    await db.outbox.move_outbox(limit=10)
    [seen] = await db.outbox.due(utc_now(), limit=10)
    # Claimed by a dispatcher that then died: no delivery, no release.
    assert await db.outbox.claim(seen, owner="dead", now=utc_now(), lease=timedelta(seconds=0.5))

    async with Receiver(WEBHOOK_SECRET) as receiver, running(Dispatcher(db.outbox, config(receiver.url))):
        await receiver.wait_for(lambda: receiver.acknowledged() == {nid: 1})
        await eventually(lambda: _is(db, nid, "SENT"))


async def test_without_a_webhook_url_notifications_are_moved_and_stay_pending(db: Db) -> None:
    nid = await db.notify("s1")

    async with running(Dispatcher(db.outbox, config(None))):
        await eventually(lambda: _is(db, nid, "PENDING"))
        await asyncio.sleep(0.2)

    pending = await db.outbox.get(nid)
    assert pending is not None and pending.attempts == 0
    assert await db.outbox.pending.mark("s1") == 2


async def test_body_signature_is_hmac_sha256_hex_of_the_exact_bytes() -> None:
    import hashlib
    import hmac

    body = json.dumps({"a": "é"}, ensure_ascii=False).encode()
    assert signature(body, "k") == hmac.new(b"k", body, hashlib.sha256).hexdigest()
