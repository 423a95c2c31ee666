"""Delivering webhooks of any kind, participant notifications and change events alike: claim due records,
POST each signed, record SENT or retry later, at least once with a stable `Idempotency-Key`; and the
retry settings they follow (docs/design.md §5).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

import httpx

from ..domain.notifications import retry_delay
from ..settings import Settings

# The write path's clock (milliseconds, as BSON stores them), shared on purpose.
from ..storage.clock import utc_now
from ..storage.deliveries import Delivery, DeliveryStore
from .webhook import post_signed

log = logging.getLogger("bookings_sessions.notifications")

# Giving a lease back at shutdown is a courtesy; never let it hold up the shutdown for long.
RELEASE_TIMEOUT_SECONDS = 2.0

T = TypeVar("T", bound=Delivery)


def dispatcher_id() -> str:
    """Who holds a lease, for people reading the database: host, process, and a per-instance suffix."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    """How hard to try: the NOTIFICATION_* retry settings, shared by every kind of webhook."""

    max_attempts: int
    lease: timedelta
    http_timeout_seconds: float
    backoff_base_seconds: float
    backoff_cap_seconds: float


def delivery_policy(settings: Settings) -> dict[str, Any]:
    """The NOTIFICATION_* retry settings, which every kind of webhook follows."""
    return {
        "max_attempts": settings.notification_max_attempts,
        "lease": timedelta(seconds=settings.notification_lease_seconds),
        "http_timeout_seconds": settings.notification_http_timeout_seconds,
        "backoff_base_seconds": settings.notification_backoff_base_seconds,
        "backoff_cap_seconds": settings.notification_backoff_cap_seconds,
    }


class Deliverer(Generic[T]):
    """Delivers one kind of record: `body` makes its bytes, its id is the Idempotency-Key."""

    def __init__(
        self,
        store: DeliveryStore[T],
        policy: DeliveryPolicy,
        *,
        secret: str,
        body: Callable[[T], bytes],
        owner: str | None = None,
        rng: random.Random | None = None,
        what: str = "delivery",
    ) -> None:
        self.store = store
        self.policy = policy
        self.secret = secret
        self.body = body
        self.owner = owner or dispatcher_id()
        self.rng = rng or random.Random()
        self.what = what

    async def deliver_due(self, http: httpx.AsyncClient, url: str, *, limit: int) -> int:
        attempted = 0
        for seen in await self.store.due(utc_now(), limit=limit):
            claimed = await self.store.claim(seen, owner=self.owner, now=utc_now(), lease=self.policy.lease)
            if claimed is None:
                continue  # another dispatcher has it
            await self.deliver(http, url, claimed)
            attempted += 1
        return attempted

    async def deliver(self, http: httpx.AsyncClient, url: str, claimed: T) -> None:
        try:
            error = await post_signed(
                http,
                url,
                self.secret,
                self.body(claimed),
                key=claimed.id,
                limit_seconds=self.policy.http_timeout_seconds,
            )
        except asyncio.CancelledError:
            # Shutting down mid-POST: the receiver may or may not have it. Not an attempt; hand the
            # lease back so the next dispatcher sends it again (same Idempotency-Key) without waiting.
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.store.release(claimed, now=utc_now()), RELEASE_TIMEOUT_SECONDS)
            raise
        now = utc_now()
        if error is None:
            await self.store.record_sent(claimed, now=now)
            return
        attempts = claimed.attempts + 1
        retry_at: datetime | None = None
        if attempts < self.policy.max_attempts:
            delay = retry_delay(
                attempts,
                base_seconds=self.policy.backoff_base_seconds,
                cap_seconds=self.policy.backoff_cap_seconds,
                rng=self.rng,
            )
            retry_at = now + timedelta(seconds=delay)
        await self.store.record_failure(claimed, error, now=now, retry_at=retry_at)
        log.warning(
            "%s %s: attempt %d failed (%s); %s",
            self.what,
            claimed.id,
            attempts,
            error,
            "giving up (FAILED)" if retry_at is None else f"next try at {retry_at.isoformat()}",
        )
