"""The change webhook's deliveries: one record per change event in `change_deliveries` (`_id` =
`sessionId:revision`), its claims, and the queueing mark (`webhooks` in `change_sequencer`); delivered
like a notification (deliveries.py). docs/design.md §9, "Change webhooks".
"""

from __future__ import annotations

import contextlib
from typing import Any

from pymongo.errors import DuplicateKeyError

from ..domain.changes import Change, ChangeDelivery, delivery_key
from .change_log import ChangeLogStore
from .deliveries import DeliveryStore, delivery_state_from_doc, pending_state
from .documents import change_from_doc, change_to_doc
from .errors import database_errors

Document = dict[str, Any]
QUEUED = "webhooks"
CATCH_UP_BATCH = 500


def change_delivery_from_doc(doc: Document) -> ChangeDelivery:
    return ChangeDelivery(
        id=doc["_id"],
        change=change_from_doc(doc["change"]),
        **delivery_state_from_doc(doc),
    )


class ChangeDeliveryStore(DeliveryStore[ChangeDelivery]):
    def __init__(self, db: Any) -> None:
        super().__init__(db["change_deliveries"], db["change_delivery_claims"], change_delivery_from_doc)
        self.log = ChangeLogStore(db)

    async def queued(self) -> int | None:
        """The number up to which every event has its record; None before the first queueing."""
        with database_errors():
            doc = await self.log.sequencer.find_one({"_id": QUEUED})
        return None if doc is None else int(doc["upTo"])

    async def start_at(self, number: int) -> None:
        """Queue from after `number` on (webhooks just turned on: not the whole retained log)."""
        with database_errors(), contextlib.suppress(DuplicateKeyError):  # another process was first
            await self.log.sequencer.insert_one({"_id": QUEUED, "upTo": number})

    async def queue(self, numbered: list[Change]) -> int:
        """Records for events just numbered (in order), after any a dead holder left unqueued.

        The events between the mark and the first of `numbered` are read from `changes` only when
        the mark lags (normally it is right before them), so this costs no scan of `changes`.
        Returns how many records were new.
        """
        if not numbered:
            return 0
        first = numbered[0].sequence
        assert first is not None
        mark = await self.queued()
        behind: list[Change] = []
        while mark is not None and mark < first - 1:
            page = await self.log.between(mark, first - 1, limit=CATCH_UP_BATCH)
            if not page:
                break
            behind.extend(page)
            mark = page[-1].sequence
        added = 0
        with database_errors():
            for change in [*behind, *numbered]:
                try:
                    await self.records.insert_one(
                        {
                            "_id": delivery_key(change),
                            "change": change_to_doc(change),
                            **pending_state(change.at),
                        }
                    )
                    added += 1
                except DuplicateKeyError:
                    pass
            last = numbered[-1].sequence
            await self.log.sequencer.update_one({"_id": QUEUED}, {"$max": {"upTo": last}}, upsert=True)
        return added

    async def catch_up(self) -> int:
        """At start: records for committed events a dead holder left unqueued (none, normally)."""
        mark, committed = await self.queued(), await self.log.committed()
        added = 0
        while mark is not None and mark < committed:
            page = await self.log.between(mark, committed, limit=CATCH_UP_BATCH)
            if not page:
                break
            added += await self.queue(page)
            mark = page[-1].sequence
        return added
