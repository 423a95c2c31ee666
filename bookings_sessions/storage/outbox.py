"""The notification outbox: moving entries out of session documents, claiming and recording deliveries.

Collections:
- `sessions.outbox`: entries written by the session update itself (one atomic single-document write),
  each with the revision that write gave the document; the writers keep it short, the dispatchers
  only read it (storage/pending.py).
- `dirty_outboxes`: a hint per session whose write recorded an entry the dispatchers have not taken.
- `outbox_marks`: per session, the highest revision whose entries are in `notifications`.
- `notifications`: one document per notification, `_id` = entry id, with its delivery state.
- `notification_claims`: one document per claim, `_id` = "<notification id>:<lease generation>".

Why claims live in their own collection: FerretDB 1.24 runs `findAndModify`/`update` as an unlocked
read-modify-write of the whole document, so two dispatchers' `find_one_and_update` can both "win" the
same notification. Inserting a unique `_id` is atomic there (and on MongoDB), so a claim is the insert
of the next generation's claim document: exactly one dispatcher gets each generation.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pymongo.errors import DuplicateKeyError

from ..domain.notifications import Notification, NotificationKind, NotificationStatus
from .documents import participant_from_doc
from .pending import OUTBOX, Hints
from .store import database_errors

Document = dict[str, Any]

# Enough for an admin to recognise why a delivery fails, never a whole error page.
MAX_ERROR_LENGTH = 500


def notification_doc(entry: Document) -> Document:
    """A new, pending notification from an outbox entry; due now, not leased."""
    created = entry["createdDate"]
    return {
        "_id": entry["id"],
        "sessionId": entry["sessionId"],
        "kind": entry["kind"],
        "message": entry.get("message"),
        "recipients": entry.get("recipients", []),
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


def notification_from_doc(doc: Document) -> Notification:
    return Notification(
        id=doc["_id"],
        session_id=doc["sessionId"],
        kind=NotificationKind(doc["kind"]),
        message=doc.get("message"),
        recipients=tuple(participant_from_doc(item) for item in doc.get("recipients", ())),
        created_date=doc["createdDate"],
        status=NotificationStatus(doc.get("status", NotificationStatus.PENDING.value)),
        attempts=doc.get("attempts", 0),
        last_error=doc.get("lastError"),
        sent_date=doc.get("sentDate"),
        next_attempt_at=doc.get("nextAttemptAt"),
        lease_generation=doc.get("leaseGeneration", 0),
    )


class OutboxStore:
    def __init__(self, db: Any) -> None:
        self.sessions = db["sessions"]
        self.notifications = db["notifications"]
        self.claims = db["notification_claims"]
        self.pending = Hints(db, OUTBOX)

    async def ensure_indexes(self) -> None:
        with database_errors():
            await self.sessions.create_index([("outbox.id", 1)], sparse=True)
            await self.notifications.create_index([("status", 1), ("nextAttemptAt", 1)])
            await self.notifications.create_index([("sessionId", 1), ("createdDate", -1), ("_id", -1)])
            await self.notifications.create_index([("createdDate", -1), ("_id", -1)])
            await self.claims.create_index([("notificationId", 1)])

    # --- moving: session outbox → notifications -------------------------------------------------

    async def move_outbox(self, *, limit: int, scan: bool = False) -> int:
        """Copy new outbox entries of up to `limit` hinted sessions (every session: `scan`).

        Per session: insert the entries above its mark, then raise the mark. A crash in between, or
        two dispatchers on one session, makes an insert hit the duplicate `_id` (already copied):
        nothing lost, nothing doubled. Session documents are only read (storage/pending.py), so no
        write of another process is undone. Returns how many entries were newly inserted.
        """
        inserted = 0
        with database_errors():
            if scan:
                marks = await self.pending.all_marks()
                docs = [
                    doc async for doc in self.pending.scan() if OUTBOX.behind(doc, marks.get(doc["_id"], 0))
                ]
            else:
                docs = await self.pending.take(limit)
                marks = {doc["_id"]: await self.pending.mark(doc["_id"]) for doc in docs}
            for doc in docs:
                entries = OUTBOX.uncopied(doc, marks.get(doc["_id"], 0))
                for entry in entries:
                    try:
                        await self.notifications.insert_one(notification_doc(entry))
                        inserted += 1
                    except DuplicateKeyError:
                        pass
                revisions = [revision for revision in OUTBOX.revisions({"outbox": entries}) if revision]
                if revisions:
                    await self.pending.advance(doc["_id"], max(revisions))
        return inserted

    # --- claiming ---------------------------------------------------------------------------------

    async def due(self, now: datetime, *, limit: int) -> list[Notification]:
        """Pending notifications whose next attempt is due and whose lease (if any) has run out."""
        query = {
            "status": NotificationStatus.PENDING.value,
            "nextAttemptAt": {"$lte": now},
            "leaseUntil": {"$lte": now},
        }
        with database_errors():
            docs = (
                await self.notifications.find(query)
                .sort([("nextAttemptAt", 1), ("_id", 1)])
                .limit(limit)
                .to_list(length=None)
            )
        return [notification_from_doc(doc) for doc in docs]

    async def claim(
        self, seen: Notification, *, owner: str, now: datetime, lease: timedelta
    ) -> Notification | None:
        """Take the lease of a notification seen as due; None when another dispatcher has it.

        The claim document for generation g+1 can be inserted once only. After winning it, the
        notification is read again: if it moved on meanwhile (sent, failed, rescheduled, or a later
        generation whose claim was cleaned up), the win is stale and given back.
        """
        generation = seen.lease_generation + 1
        claim_id = f"{seen.id}:{generation}"
        with database_errors():
            try:
                await self.claims.insert_one(
                    {"_id": claim_id, "notificationId": seen.id, "owner": owner, "claimedAt": now}
                )
            except DuplicateKeyError:
                return None
            fresh = await self.notifications.find_one({"_id": seen.id})
            if (
                fresh is None
                or fresh.get("status") != NotificationStatus.PENDING.value
                or fresh.get("leaseGeneration", 0) != seen.lease_generation
                or fresh["nextAttemptAt"] > now
                or fresh["leaseUntil"] > now
            ):
                await self.claims.delete_one({"_id": claim_id})
                return None
            await self.notifications.update_one(
                {"_id": seen.id},
                {
                    "$set": {
                        "leaseOwner": owner,
                        "leaseUntil": now + lease,
                        "leaseGeneration": generation,
                    }
                },
            )
        return notification_from_doc(fresh).model_copy(update={"lease_generation": generation})

    async def release(self, claimed: Notification, *, now: datetime) -> None:
        """Give a lease back early (shutdown mid-delivery) so another dispatcher need not wait."""
        with database_errors():
            await self.notifications.update_one(
                self._held(claimed), {"$set": {"leaseUntil": now, "leaseOwner": None}}
            )

    # --- recording results ------------------------------------------------------------------------

    async def record_sent(self, claimed: Notification, *, now: datetime) -> None:
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
        self, claimed: Notification, error: str, *, now: datetime, retry_at: datetime | None
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
            await self.notifications.update_one(self._held(claimed), {"$set": values})

    async def _finish(self, claimed: Notification, values: Document) -> None:
        with database_errors():
            await self.notifications.update_one(self._held(claimed), {"$set": values})
            # Claims only matter while a notification is pending; a late claimer re-reads and backs off.
            await self.claims.delete_many({"notificationId": claimed.id})

    @staticmethod
    def _held(claimed: Notification) -> Document:
        # Written only by the holder of this generation: a dispatcher whose lease was taken over
        # finds no match and changes nothing (on MongoDB; FerretDB evaluates it on its own read).
        return {"_id": claimed.id, "leaseGeneration": claimed.lease_generation}

    # --- reading ----------------------------------------------------------------------------------

    async def get(self, notification_id: str) -> Notification | None:
        with database_errors():
            doc = await self.notifications.find_one({"_id": notification_id})
        return None if doc is None else notification_from_doc(doc)

    async def page(
        self,
        *,
        session_id: str | None,
        status: NotificationStatus | None,
        first: int,
        after: tuple[datetime, str] | None,
    ) -> tuple[list[Notification], bool]:
        """Newest first (created date, then id); returns the page and whether more follow."""
        query: Document = {}
        if session_id is not None:
            query["sessionId"] = session_id
        if status is not None:
            query["status"] = status.value
        if after is not None:
            created, last_id = after
            query["$or"] = [
                {"createdDate": {"$lt": created}},
                {"createdDate": created, "_id": {"$lt": last_id}},
            ]
        with database_errors():
            docs = (
                await self.notifications.find(query)
                .sort([("createdDate", -1), ("_id", -1)])
                .limit(first + 1)
                .to_list(length=None)
            )
        return [notification_from_doc(doc) for doc in docs[:first]], len(docs) > first
