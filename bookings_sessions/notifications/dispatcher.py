"""The dispatcher: copies outbox entries into `notifications`, then claims and delivers due ones.

Delivery (at least once, with retries and backoff) is the shared machinery of delivery.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import signal
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx

from ..domain.notifications import Notification
from ..settings import Settings
from ..storage.capabilities import StoreCapabilities, ask_capabilities
from ..storage.client import close_client, create_client

# The write path's clock (milliseconds, as BSON stores them), shared on purpose.
from ..storage.clock import utc_now
from ..storage.outbox import OutboxStore
from .delivery import Deliverer, DeliveryPolicy, delivery_policy
from .rounds import run_rounds
from .webhook import webhook_body

log = logging.getLogger("bookings_sessions.notifications")

# How many sessions' outboxes, and how many due notifications, one round looks at.
BATCH = 50
NO_WEBHOOK_WARNING = (
    "NOTIFICATION_WEBHOOK_URL is not set: participant notifications are recorded but stay PENDING "
    "until a webhook is configured"
)


@dataclass(frozen=True, slots=True)
class DispatcherConfig(DeliveryPolicy):
    webhook_url: str | None
    webhook_secret: str
    poll_seconds: float
    scan_every: timedelta = timedelta(minutes=5)
    batch: int = BATCH

    @classmethod
    def from_settings(cls, settings: Settings) -> DispatcherConfig:
        secret = settings.notification_webhook_secret
        return cls(
            webhook_url=settings.notification_webhook_url,
            webhook_secret="" if secret is None else secret.get_secret_value(),
            poll_seconds=settings.notification_poll_seconds,
            scan_every=timedelta(seconds=settings.pending_scan_seconds),
            **delivery_policy(settings),
        )


class Dispatcher(Deliverer[Notification]):
    def __init__(
        self,
        outbox: OutboxStore,
        config: DispatcherConfig,
        *,
        owner: str | None = None,
        rng: random.Random | None = None,
    ) -> None:
        super().__init__(
            outbox,
            config,
            secret=config.webhook_secret,
            body=webhook_body,
            owner=owner,
            rng=rng,
            what="notification",
        )
        self.outbox = outbox
        self.config = config
        self._scanned_at: datetime | None = None

    async def run(self) -> None:
        """Until cancelled. A failing round (database down, …) is logged and retried next poll."""
        timeout = httpx.Timeout(self.config.http_timeout_seconds)
        async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as http:
            await run_rounds(
                lambda: self.step(http),
                poll_seconds=self.config.poll_seconds,
                log=log,
                what="notification dispatcher",
                after_failure=self._scan_next_round,
            )

    def _scan_next_round(self) -> None:
        # Hints a failed round took may not have been followed: look through everything next round.
        self._scanned_at = None

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
            delivered = await self.deliver_due(http, self.config.webhook_url, limit=self.config.batch)
        return moved > 0 or delivered > 0


async def start_notifications(
    settings: Settings, db: Any, capabilities: StoreCapabilities
) -> list[asyncio.Task[None]]:
    """Server start: the outbox indexes, the no-webhook warning, and the dispatcher task (if enabled)."""
    outbox = OutboxStore(db)
    await outbox.ensure_indexes(capabilities)
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
        db = client[settings.mongodb_database]
        outbox = OutboxStore(db)
        await outbox.ensure_indexes(await ask_capabilities(db))
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
