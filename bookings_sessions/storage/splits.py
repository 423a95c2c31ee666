"""The writes of a series split, made crash-safe without transactions: the pending new series, the
original's guarded commit write, then `finish`; `sweep` for what a crash left (docs/design.md §2).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ..domain.changes import Change
from ..domain.errors import Conflict
from ..domain.notifications import Notification
from ..domain.series import InstanceOverride, Series
from ..domain.timezones import as_utc
from .capabilities import Condition
from .documents import Document, change_from_doc, change_to_doc, outbox_entry_to_doc
from .errors import database_errors
from .pending import CHANGE_LOG, OUTBOX
from .series_documents import override_to_doc, series_to_doc
from .store import SessionStore, entries_of, new_document
from .write_lock import compare_and_swap, session_lock

PENDING: Document = {"pending": {"$exists": True}}
# Checked like every conditional write (`SessionStore._write_filter`): in the filter on MongoDB, on the
# document read by `_id` on FerretDB (which decodes every document for any filter but a bare `_id`).
IS_PENDING = Condition(PENDING, lambda doc: "pending" in doc, ("pending",))


async def put_pending(
    store: SessionStore,
    tail: Series,
    origin_id: str,
    moved: list[InstanceOverride],
    outbox: list[Notification],
    change: Change,
    moved_changes: Sequence[Change] = (),
) -> None:
    """Step 1. `change` is the new series' CREATED event: it rides in this insert, and the sequencer
    moves it only once the split is committed (`committed_docs`), so it is published exactly when the
    series becomes visible. `moved_changes`, the moved exceptions' CREATED events, wait in `pending`
    until step 3 puts each on its exception (`finish`)."""
    entries = entries_of(None, change, revision=tail.revision)
    doc = new_document(series_to_doc(tail), entries)
    doc["pending"] = {
        "origin": origin_id,
        "outbox": [outbox_entry_to_doc(entry) for entry in outbox],
        "changes": [change_to_doc(entry) for entry in moved_changes],
    }
    with database_errors():
        # Only ever replaces a pending doc: a committed series with this id is a CONFLICT, never
        # overwritten.
        if (await store.capabilities()).atomic_updates:
            # The upsert's insert fails on a committed series with this id (duplicate key).
            await store.sessions.replace_one({"_id": tail.id, **PENDING}, doc, upsert=True)
        else:
            current = await store.sessions.find_one({"_id": tail.id}, {"pending": 1})
            if current is None:
                await store.sessions.insert_one(doc)
            elif "pending" in current:
                await store.sessions.replace_one({"_id": tail.id}, doc)
            else:
                raise Conflict("the series a split would create already exists")
        for override in moved:
            await store.sessions.replace_one({"_id": override.id}, override_to_doc(override), upsert=True)
        # The sequencer skips this series, keeping the hint, until the split commits (storage/change_log.py).
        await store._leave_hints(tail.id, entries)


async def committed_splits(store: SessionStore, series_id: str) -> list[str]:
    return (await recorded(store, series_id))[0]


async def recorded(store: SessionStore, series_id: str) -> tuple[list[str], list[str]]:
    """The series' committed splits (`splitInto`) and the marks of the requests that ended it
    (`endedBy`): what a retry of a THIS_AND_FOLLOWING request looks for."""
    with database_errors():
        doc = await store.sessions.find_one({"_id": series_id}, {"splitInto": 1, "endedBy": 1})
    if doc is None:
        return [], []
    return list(doc.get("splitInto") or ()), list(doc.get("endedBy") or ())


def _pending_at(revision: Any) -> Condition:
    """Still pending, and at the revision its released notifications are stamped with."""

    def holds(doc: Document) -> bool:
        return "pending" in doc and doc.get("revision") == revision

    return Condition({**PENDING, "revision": revision}, holds, ("pending", "revision"))


# A moved exception as `put_pending` wrote it: nothing recorded on it yet.
UNRECORDED = Condition(
    {"revision": 1, CHANGE_LOG.field: {"$exists": False}},
    lambda doc: doc.get("revision") == 1 and CHANGE_LOG.field not in doc,
    ("revision", CHANGE_LOG.field),
)


async def _record_moved(store: SessionStore, changes: list[Any]) -> None:
    """Each moved exception's CREATED event onto its document, once: a retried step 3 finds it there,
    and an exception written since the commit records its own events instead."""
    for entry in changes:
        if not isinstance(entry, dict):
            continue
        change = change_from_doc(entry)
        entries = entries_of(None, change, revision=change.revision, on_exception=True)
        async with session_lock(change.session_id):
            where = await store._write_filter(change.session_id, UNRECORDED)
            if where is None:
                continue
            with database_errors():
                result = await store.sessions.update_one(
                    where, {"$push": {CHANGE_LOG.field: {"$each": entries[CHANGE_LOG]}}}
                )
                if result.modified_count:
                    await store._leave_hints(change.session_id, entries)


async def finish(store: SessionStore, tail_id: str) -> bool:
    """Step 3 for a committed split: True if this call removed the pending mark."""
    return bool(await compare_and_swap(lambda: _finish_once(store, tail_id)))


async def _finish_once(store: SessionStore, tail_id: str) -> bool | None:
    """One attempt of `finish`; None when the series was written in between (read again)."""
    with database_errors():
        doc = await store.sessions.find_one({"_id": tail_id}, {"pending": 1, "revision": 1})
    if doc is None or "pending" not in doc:
        return False
    update: dict[str, Any] = {"$unset": {"pending": ""}}
    pending, revision = doc["pending"], doc.get("revision")
    if isinstance(pending, dict):
        await _record_moved(store, pending.get("changes") or [])
    entries = (pending.get("outbox") if isinstance(pending, dict) else None) or []
    # Stamped with the revision they are released at, as every write stamps its outbox entries, so
    # the dispatcher's mark and the writers' trimming cover them (storage/pending.py); guarded by
    # that revision: a write to the series in between makes this round read again.
    stamped = [entry | {"revision": revision} for entry in entries if isinstance(entry, dict)]
    if stamped:
        update["$push"] = {OUTBOX.field: {"$each": stamped}}
    where = await store._write_filter(tail_id, _pending_at(revision))
    if where is None:
        return None
    with database_errors():
        result = await store.sessions.update_one(where, update)
        if result.modified_count and stamped:
            await store._leave_hints(tail_id, {OUTBOX: stamped})
    return bool(result.modified_count) if result.matched_count else None


async def sweep(store: SessionStore, *, older_than: datetime) -> tuple[list[str], list[str]]:
    """Complete committed splits and roll back uncommitted ones created before `older_than` (younger
    ones may be in flight in another process). Returns (finished, rolled back) series ids."""
    with database_errors():
        docs = await store.sessions.find(PENDING, {"pending": 1, "createdDate": 1}).to_list(length=None)
    visible = {doc["_id"] for doc in await store.committed(docs)}
    finished: list[str] = []
    rolled_back: list[str] = []
    for doc in docs:
        if doc["_id"] in visible:
            if await finish(store, doc["_id"]):
                finished.append(doc["_id"])
            continue
        created = doc.get("createdDate")
        if isinstance(created, datetime) and as_utc(created) >= older_than:
            continue
        if await roll_back(store, doc["_id"]):
            rolled_back.append(doc["_id"])
    return finished, rolled_back


async def roll_back(store: SessionStore, tail_id: str) -> bool:
    """Removes a split that was never committed (and never will be): its pending series and moved
    exceptions. False if it is not pending (gone, or committed and finished)."""
    where = await store._write_filter(tail_id, IS_PENDING)
    if where is None:
        return False
    with database_errors():
        # Never visible, so removing it (its change event and notifications with it) changes nothing
        # anyone has read or been sent.
        await store.sessions.delete_many({"kind": "instance", "recurringSessionId": tail_id})
        await store.sessions.delete_one(where)
    return True
