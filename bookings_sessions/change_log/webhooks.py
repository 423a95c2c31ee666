"""Change webhooks: the sequencer's holder queues a record per event it numbers (`on_moved`); every
process POSTs due records to CHANGE_WEBHOOK_URL, at least once, with the delivery loop of participant
notifications (notifications/delivery.py). The body: `change_body`. docs/design.md §9.
"""

from __future__ import annotations

import json
import logging
import random
from dataclasses import dataclass
from datetime import UTC
from typing import Any

import httpx

from ..domain.changes import Change, ChangeDelivery
from ..notifications.delivery import Deliverer, DeliveryPolicy, delivery_policy
from ..notifications.rounds import run_rounds
from ..settings import Settings
from ..storage.capabilities import StoreCapabilities
from ..storage.change_deliveries import ChangeDeliveryStore
from ..storage.documents import camel

log = logging.getLogger("bookings_sessions.changes")

# Due deliveries one round claims.
BATCH = 50


def change_body(delivery: ChangeDelivery) -> bytes:
    """A change event as `changes` shows it (§9), plus its place in the log; the same on every retry."""
    change = delivery.change
    at = change.at.astimezone(UTC).isoformat(timespec="milliseconds")
    payload = {
        "sequence": change.sequence,
        "kind": change.kind.value,
        "sessionId": change.session_id,
        "scheduleId": change.schedule_id,
        "revision": change.revision,
        # As `changes` names them: a document key is the API's name (§1).
        "changedFields": [camel(name) for name in change.changed_fields],
        "at": at.replace("+00:00", "Z"),
    }
    # Only on a split's events (docs/recurring.md): every other body stays as it was.
    split = {"splitFrom": change.split_from, "splitInto": change.split_into}
    payload |= {key: value for key, value in split.items() if value is not None}
    if change.split_date is not None:
        payload["splitDate"] = change.split_date.isoformat()
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


@dataclass(frozen=True, slots=True)
class ChangeWebhookConfig(DeliveryPolicy):
    url: str
    secret: str
    poll_seconds: float
    batch: int = BATCH

    @classmethod
    def from_settings(cls, settings: Settings) -> ChangeWebhookConfig | None:
        if settings.change_webhook_url is None or settings.change_webhook_secret is None:
            return None
        return cls(
            url=settings.change_webhook_url,
            secret=settings.change_webhook_secret.get_secret_value(),
            poll_seconds=settings.notification_poll_seconds,
            **delivery_policy(settings),
        )


class ChangeWebhooks(Deliverer[ChangeDelivery]):
    def __init__(
        self,
        store: ChangeDeliveryStore,
        config: ChangeWebhookConfig,
        *,
        owner: str | None = None,
        rng: random.Random | None = None,
    ) -> None:
        super().__init__(
            store, config, secret=config.secret, body=change_body, owner=owner, rng=rng, what="change webhook"
        )
        self.deliveries = store
        self.config = config

    async def queue(self, moved: list[Change]) -> None:
        """The sequencer's `on_moved`: a record per event just numbered (keyed by it: never twice)."""
        await self.deliveries.queue(moved)

    async def run(self) -> None:
        """Until cancelled. A failing round is logged and retried next poll."""
        timeout = httpx.Timeout(self.config.http_timeout_seconds)
        async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as http:

            async def one_round() -> bool:
                return await self.deliver_due(http, self.config.url, limit=self.config.batch) > 0

            await run_rounds(one_round, poll_seconds=self.config.poll_seconds, log=log, what="change webhook")


async def start_change_webhooks(
    settings: Settings, db: Any, capabilities: StoreCapabilities
) -> ChangeWebhooks | None:
    """Server start: None without CHANGE_WEBHOOK_URL; else the deliverer, its indexes and queue ready.

    Turned on for the first time, it queues from the newest committed event on (not the whole
    retained log); after a holder died between numbering and queueing, it catches up.
    """
    config = ChangeWebhookConfig.from_settings(settings)
    if config is None:
        return None
    store = ChangeDeliveryStore(db)
    await store.ensure_delivery_indexes(capabilities)
    if await store.queued() is None:
        await store.start_at(await store.log.committed())
    await store.catch_up()
    return ChangeWebhooks(store, config)
