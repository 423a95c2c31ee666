"""The `idempotency_keys` collection: one document per (caller, key), claimed by an atomic insert before
the session it names; expired keys are deleted by claims, not a TTL index (docs/design.md §4).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pymongo import IndexModel

from ..domain.errors import Conflict
from ..domain.idempotency import KEY_WINDOW, KeyRecord
from ..domain.timezones import as_utc
from .capabilities import StoreCapabilities, create_plain_indexes
from .documents import Document
from .errors import database_errors

COLLECTION = "idempotency_keys"
# A claim that keeps meeting a key that is there, then gone, then there again gives up after this.
MAX_CLAIM_ATTEMPTS = 4
PURGE_EVERY = timedelta(minutes=10)


def _to_doc(record: KeyRecord) -> Document:
    return {
        "_id": record.id,
        "sessionId": record.session_id,
        "fingerprint": record.fingerprint,
        "createdAt": record.created_at,
    }


def _from_doc(doc: Document) -> KeyRecord:
    return KeyRecord(
        id=doc["_id"],
        session_id=doc["sessionId"],
        fingerprint=doc["fingerprint"],
        created_at=as_utc(doc["createdAt"]),
    )


class IdempotencyKeys:
    def __init__(self, db: Any) -> None:
        self.keys = db[COLLECTION]
        self._purged_at: datetime | None = None

    async def ensure_indexes(self, capabilities: StoreCapabilities) -> None:
        """The purge's `createdAt` range (a plain index, not a TTL one)."""
        with database_errors():
            await create_plain_indexes(capabilities, self.keys, IndexModel([("createdAt", 1)]))

    async def _purge(self, now: datetime) -> None:
        """Deletes expired keys, at most once per PURGE_EVERY in this process."""
        if self._purged_at is not None and now - self._purged_at < PURGE_EVERY:
            return
        self._purged_at = now
        with database_errors():
            await self.keys.delete_many({"createdAt": {"$lt": now - KEY_WINDOW}})

    async def claim(self, record: KeyRecord) -> KeyRecord:
        """`record` if this call now holds the key, else the live record that holds it."""
        await self._purge(record.created_at)
        expired_before: datetime = record.created_at - KEY_WINDOW
        for _ in range(MAX_CLAIM_ATTEMPTS):
            try:
                with database_errors():
                    await self.keys.insert_one(_to_doc(record))
                return record
            except Conflict:  # the driver's duplicate key: someone holds the key
                pass
            with database_errors():
                doc = await self.keys.find_one({"_id": record.id})
            if doc is None:
                continue  # expired and removed in between: try the insert again
            existing = _from_doc(doc)
            if existing.created_at >= expired_before:
                return existing
            # Past the window but not yet removed: take it over, unless another request just did.
            with database_errors():
                replaced = await self.keys.replace_one(
                    {"_id": record.id, "createdAt": doc["createdAt"]}, _to_doc(record)
                )
            if replaced.matched_count:
                return record
        raise Conflict("the idempotency key kept changing while it was claimed; try again")
