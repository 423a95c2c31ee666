"""The notification outbox: entries copied out of session documents (`sessions.outbox`, hinted in
`dirty_outboxes`, marked in `outbox_marks`) into `notifications`, delivered by deliveries.py
(docs/design.md §5).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import IndexModel
from pymongo.errors import DuplicateKeyError

from ..domain.notifications import Notification, NotificationKind, NotificationStatus
from .capabilities import StoreCapabilities, create_plain_indexes
from .deliveries import DeliveryStore, delivery_state_from_doc, pending_state
from .documents import participant_from_doc
from .errors import database_errors
from .pending import OUTBOX, Hints

Document = dict[str, Any]


def notification_doc(entry: Document) -> Document:
    """A new, pending notification from an outbox entry; due now, not leased."""
    return {
        "_id": entry["id"],
        "sessionId": entry["sessionId"],
        "kind": entry["kind"],
        "message": entry.get("message"),
        "recipients": entry.get("recipients", []),
        **pending_state(entry["createdDate"]),
    }


def notification_from_doc(doc: Document) -> Notification:
    return Notification(
        id=doc["_id"],
        session_id=doc["sessionId"],
        kind=NotificationKind(doc["kind"]),
        message=doc.get("message"),
        recipients=tuple(participant_from_doc(item) for item in doc.get("recipients", ())),
        **delivery_state_from_doc(doc),
    )


class OutboxStore(DeliveryStore[Notification]):
    def __init__(self, db: Any) -> None:
        super().__init__(db["notifications"], db["notification_claims"], notification_from_doc)
        self.sessions = db["sessions"]
        self.notifications = self.records
        self.pending = Hints(db, OUTBOX)

    async def ensure_indexes(self, capabilities: StoreCapabilities) -> None:
        await self.ensure_delivery_indexes(capabilities)
        with database_errors():
            await create_plain_indexes(
                capabilities, self.sessions, IndexModel([("outbox.id", 1)], sparse=True)
            )
            await create_plain_indexes(
                capabilities,
                self.notifications,
                IndexModel([("sessionId", 1), ("createdDate", -1), ("_id", -1)]),
                IndexModel([("createdDate", -1), ("_id", -1)]),
            )

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

    # --- reading ----------------------------------------------------------------------------------

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
