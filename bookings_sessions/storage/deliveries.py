"""Webhook deliveries of any kind: due records claimed under a lease (a claim is the insert of
"<delivery id>:<lease generation>"), then recorded sent or failed. Shared by the outbox (outbox.py) and
the change webhooks (change_deliveries.py). Why claims live in their own collection: docs/design.md §5.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Generic, Protocol, TypeVar

from pymongo import IndexModel
from pymongo.errors import DuplicateKeyError

from ..domain.notifications import NotificationStatus
from .capabilities import StoreCapabilities, create_plain_indexes
from .errors import database_errors

Document = dict[str, Any]

# Enough for an admin to recognise why a delivery fails, never a whole error page.
MAX_ERROR_LENGTH = 500


class Delivery(Protocol):
    """What the claiming needs of a delivery's domain value."""

    @property
    def id(self) -> str: ...

    @property
    def attempts(self) -> int: ...

    @property
    def lease_generation(self) -> int: ...


T = TypeVar("T", bound=Delivery)


def delivery_state_from_doc(doc: Document) -> dict[str, Any]:
    """The delivery fields of a stored record, as `DeliveryState` names them."""
    return {
        "created_date": doc["createdDate"],
        "status": NotificationStatus(doc.get("status", NotificationStatus.PENDING.value)),
        "attempts": doc.get("attempts", 0),
        "last_error": doc.get("lastError"),
        "sent_date": doc.get("sentDate"),
        "next_attempt_at": doc.get("nextAttemptAt"),
        "lease_generation": doc.get("leaseGeneration", 0),
    }


def pending_state(created: datetime) -> Document:
    """The delivery fields of a new record: pending, due now, not leased."""
    return {
        "createdDate": created,
        "status": NotificationStatus.PENDING.value,
        "attempts": 0,
        "lastError": None,
        "sentDate": None,
        "nextAttemptAt": created,
        # Always present (rather than "missing means free") keeps the claim query a plain range test.
        "leaseUntil": created,
        "leaseOwner": None,
        "leaseGeneration": 0,
    }


class DeliveryStore(Generic[T]):
    def __init__(self, records: Any, claims: Any, from_doc: Callable[[Document], T]) -> None:
        self.records = records
        self.claims = claims
        self.from_doc = from_doc

    async def ensure_delivery_indexes(self, capabilities: StoreCapabilities) -> None:
        with database_errors():
            await create_plain_indexes(
                capabilities, self.records, IndexModel([("status", 1), ("nextAttemptAt", 1)])
            )
            await create_plain_indexes(capabilities, self.claims, IndexModel([("deliveryId", 1)]))

    async def due(self, now: datetime, *, limit: int) -> list[T]:
        """Pending deliveries whose next attempt is due and whose lease (if any) has run out."""
        query = {
            "status": NotificationStatus.PENDING.value,
            "nextAttemptAt": {"$lte": now},
            "leaseUntil": {"$lte": now},
        }
        with database_errors():
            docs = (
                await self.records.find(query)
                .sort([("nextAttemptAt", 1), ("_id", 1)])
                .limit(limit)
                .to_list(length=None)
            )
        return [self.from_doc(doc) for doc in docs]

    async def claim(self, seen: T, *, owner: str, now: datetime, lease: timedelta) -> T | None:
        """Take the lease of a delivery seen as due; None when another dispatcher has it.

        The claim document for generation g+1 can be inserted once only. After winning it, the
        record is read again: if it moved on meanwhile (sent, failed, rescheduled, or a later
        generation whose claim was cleaned up), the win is stale and given back.
        """
        generation = seen.lease_generation + 1
        claim_id = f"{seen.id}:{generation}"
        with database_errors():
            try:
                await self.claims.insert_one(
                    {"_id": claim_id, "deliveryId": seen.id, "owner": owner, "claimedAt": now}
                )
            except DuplicateKeyError:
                return None
            fresh = await self.records.find_one({"_id": seen.id})
            if (
                fresh is None
                or fresh.get("status") != NotificationStatus.PENDING.value
                or fresh.get("leaseGeneration", 0) != seen.lease_generation
                or fresh["nextAttemptAt"] > now
                or fresh["leaseUntil"] > now
            ):
                await self.claims.delete_one({"_id": claim_id})
                return None
            held = {"leaseOwner": owner, "leaseUntil": now + lease, "leaseGeneration": generation}
            await self.records.update_one({"_id": seen.id}, {"$set": held})
        return self.from_doc(fresh | held)

    async def release(self, claimed: T, *, now: datetime) -> None:
        """Give a lease back early (shutdown mid-delivery) so another dispatcher need not wait."""
        with database_errors():
            await self.records.update_one(
                self._held(claimed), {"$set": {"leaseUntil": now, "leaseOwner": None}}
            )

    async def record_sent(self, claimed: T, *, now: datetime) -> None:
        await self._finish(
            claimed,
            {
                "status": NotificationStatus.SENT.value,
                "attempts": claimed.attempts + 1,
                "sentDate": now,
                "leaseOwner": None,
                "leaseUntil": now,
            },
        )

    async def record_failure(
        self, claimed: T, error: str, *, now: datetime, retry_at: datetime | None
    ) -> None:
        """One more failed attempt: pending again from `retry_at`, or FAILED (kept) when None."""
        values: Document = {
            "attempts": claimed.attempts + 1,
            "lastError": error[:MAX_ERROR_LENGTH],
            "leaseOwner": None,
            "leaseUntil": now,
        }
        if retry_at is None:
            values["status"] = NotificationStatus.FAILED.value
            await self._finish(claimed, values)
            return
        values["nextAttemptAt"] = retry_at
        with database_errors():
            await self.records.update_one(self._held(claimed), {"$set": values})

    async def _finish(self, claimed: T, values: Document) -> None:
        with database_errors():
            await self.records.update_one(self._held(claimed), {"$set": values})
            # Claims only matter while a delivery is pending; a late claimer re-reads and backs off.
            await self.claims.delete_many({"deliveryId": claimed.id})

    @staticmethod
    def _held(claimed: T) -> Document:
        # Written only by the holder of this generation: a dispatcher whose lease was taken over
        # finds no match and changes nothing (on MongoDB; FerretDB evaluates it on its own read).
        return {"_id": claimed.id, "leaseGeneration": claimed.lease_generation}

    async def get(self, delivery_id: str) -> T | None:
        with database_errors():
            doc = await self.records.find_one({"_id": delivery_id})
        return None if doc is None else self.from_doc(doc)
