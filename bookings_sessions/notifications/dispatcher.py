"""The dispatcher: copies outbox entries into `notifications`, then claims and delivers due ones.

Delivery is at least once: a dispatcher that dies after the receiver got a POST but before recording
SENT leaves the lease to expire, and another dispatcher sends it again with the same
`Idempotency-Key`. A receiver that remembers the keys it has processed sees each notification once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import signal
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx

from ..domain.notifications import Notification, retry_delay
from ..settings import Settings
from ..storage.client import close_client, create_client

# The write path's clock (milliseconds, as BSON stores them), shared on purpose.
from ..storage.clock import utc_now
from ..storage.outbox import OutboxStore
from .webhook import post_notification

log = logging.getLogger("bookings_sessions.notifications")

# How many sessions' outboxes, and how many due notifications, one round looks at.
BATCH = 50
# Giving a lease back at shutdown is a courtesy; never let it hold up the shutdown for long.
RELEASE_TIMEOUT_SECONDS = 2.0
NO_WEBHOOK_WARNING = (
    "NOTIFICATION_WEBHOOK_URL is not set: participant notifications are recorded but stay PENDING "
    "until a webhook is configured"
)


def dispatcher_id() -> str:
    """Who holds a lease, for people reading the database: host, process, and a per-instance suffix."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True, slots=True)
class DispatcherConfig:
    webhook_url: str | None
    webhook_secret: str
    max_attempts: int
    poll_seconds: float
    lease: timedelta
    http_timeout_seconds: float
    backoff_base_seconds: float
    backoff_cap_seconds: float
    scan_every: timedelta = timedelta(minutes=5)
    batch: int = BATCH

    @classmethod
    def from_settings(cls, settings: Settings) -> DispatcherConfig:
        secret = settings.notification_webhook_secret
        return cls(
            webhook_url=settings.notification_webhook_url,
            webhook_secret="" if secret is None else secret.get_secret_value(),
            max_attempts=settings.notification_max_attempts,
            poll_seconds=settings.notification_poll_seconds,
            lease=timedelta(seconds=settings.notification_lease_seconds),
            http_timeout_seconds=settings.notification_http_timeout_seconds,
            backoff_base_seconds=settings.notification_backoff_base_seconds,
            backoff_cap_seconds=settings.notification_backoff_cap_seconds,
            scan_every=timedelta(seconds=settings.pending_scan_seconds),
        )


class Dispatcher:
    def __init__(
        self,
        outbox: OutboxStore,
        config: DispatcherConfig,
        *,
        owner: str | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.outbox = outbox
        self.config = config
        self.owner = owner or dispatcher_id()
        self.rng = rng or random.Random()
        self._scanned_at: datetime | None = None

    async def run(self) -> None:
        """Until cancelled. A failing round (database down, …) is logged and retried next poll."""
        timeout = httpx.Timeout(self.config.http_timeout_seconds)
        async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as http:
            while True:
                busy = False
                try:
                    busy = await self.step(http)
                except Exception:
                    log.exception("notification dispatcher round failed; retrying")
                if not busy:
                    await asyncio.sleep(self.config.poll_seconds)

    async def step(self, http: httpx.AsyncClient) -> bool:
        """One round; True when it did something, so the next round follows without sleeping."""
        now = utc_now()
        # The first round, then rarely, looks through every session: a writer may have died before
        # leaving its hint.
        scan = self._scanned_at is None or now - self._scanned_at >= self.config.scan_every
        moved = await self.outbox.move_outbox(limit=self.config.batch, scan=scan)
        if scan:
            self._scanned_at = now
        delivered = 0
        if self.config.webhook_url is not None:
            delivered = await self.deliver_due(http, self.config.webhook_url)
        return moved > 0 or delivered > 0

    async def deliver_due(self, http: httpx.AsyncClient, url: str) -> int:
        attempted = 0
        for seen in await self.outbox.due(utc_now(), limit=self.config.batch):
            claimed = await self.outbox.claim(seen, owner=self.owner, now=utc_now(), lease=self.config.lease)
            if claimed is None:
                continue  # another dispatcher has it
            await self.deliver(http, url, claimed)
            attempted += 1
        return attempted

    async def deliver(self, http: httpx.AsyncClient, url: str, claimed: Notification) -> None:
        try:
            error = await post_notification(
                http, url, self.config.webhook_secret, claimed, limit_seconds=self.config.http_timeout_seconds
            )
        except asyncio.CancelledError:
            # Shutting down mid-POST: the receiver may or may not have it. Not an attempt; hand the
            # lease back so the next dispatcher sends it again (same Idempotency-Key) without waiting.
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.outbox.release(claimed, now=utc_now()), RELEASE_TIMEOUT_SECONDS)
            raise
        now = utc_now()
        if error is None:
            await self.outbox.record_sent(claimed, now=now)
            return
        attempts = claimed.attempts + 1
        retry_at: datetime | None = None
        if attempts < self.config.max_attempts:
            delay = retry_delay(
                attempts,
                base_seconds=self.config.backoff_base_seconds,
                cap_seconds=self.config.backoff_cap_seconds,
                rng=self.rng,
            )
            retry_at = now + timedelta(seconds=delay)
        await self.outbox.record_failure(claimed, error, now=now, retry_at=retry_at)
        log.warning(
            "notification %s: attempt %d failed (%s); %s",
            claimed.id,
            attempts,
            error,
            "giving up (FAILED)" if retry_at is None else f"next try at {retry_at.isoformat()}",
        )


async def start_notifications(settings: Settings, db: Any) -> list[asyncio.Task[None]]:
    """Server start: the outbox indexes, the no-webhook warning, and the dispatcher task (if enabled)."""
    outbox = OutboxStore(db)
    await outbox.ensure_indexes()
    if settings.notification_webhook_url is None:
        log.warning(NO_WEBHOOK_WARNING)
    if not settings.notification_dispatcher:
        return []
    dispatcher = Dispatcher(outbox, DispatcherConfig.from_settings(settings))
    return [asyncio.create_task(dispatcher.run(), name="notification-dispatcher")]


async def run_standalone(settings: Settings) -> None:
    """`bookings-sessions dispatch`: the dispatcher alone, against MONGODB_URI, until SIGINT/SIGTERM."""
    if settings.mongodb_uri is None:
        raise ValueError("MONGODB_URI is required: the embedded database belongs to `serve`")
    client = create_client(settings.mongodb_uri, settings.mongodb_driver)
    try:
        outbox = OutboxStore(client[settings.mongodb_database])
        await outbox.ensure_indexes()
        if settings.notification_webhook_url is None:
            log.warning(NO_WEBHOOK_WARNING)
        dispatcher = Dispatcher(outbox, DispatcherConfig.from_settings(settings))
        task = asyncio.create_task(dispatcher.run(), name="notification-dispatcher")
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            # Cancelling (rather than dying) hands an in-flight lease back; see `Dispatcher.deliver`.
            loop.add_signal_handler(signum, task.cancel)
        log.info("notification dispatcher %s running", dispatcher.owner)
        with contextlib.suppress(asyncio.CancelledError):
            await task
    finally:
        await close_client(client)
