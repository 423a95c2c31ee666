"""`SessionStore`: intention-revealing reads and atomic writes over the `sessions` collection."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import ConnectionFailure, DuplicateKeyError, PyMongoError

from ..domain.errors import Conflict, Unavailable
from ..domain.listing import SessionFilter, Window
from ..domain.model import Session
from ..domain.notifications import Notification
from ..domain.paging import SortKey
from ..domain.series import InstanceOverride, Series
from ..domain.timezones import DATE_SLACK
from .documents import (
    FIELD_NAMES,
    Document,
    outbox_entry_to_doc,
    session_from_doc,
    session_to_doc,
    to_plain,
    update_from_changes,
)
from .series_documents import date_to_doc, override_from_doc, override_to_doc, series_from_doc, series_to_doc

# One index per query shape (equality fields, then the sort, then ranges — the ESR rule):
# listing by kind or by schedule(s) sorted by (start, id), overlapping a window (start before its end,
# end after its start); candidate series for a window; a series' stored instance exceptions by date,
# and the ones moved into a window. `QUERY_SHAPES` names what each query filters and sorts on.
INDEXES: tuple[tuple[tuple[str, int], ...], ...] = (
    (("kind", 1), ("start.utc", 1), ("_id", 1), ("end.utc", 1)),
    (("scheduleId", 1), ("kind", 1), ("start.utc", 1), ("_id", 1), ("end.utc", 1)),
    (("kind", 1), ("spanFrom", 1), ("spanTo", 1)),
    (("recurringSessionId", 1), ("occurrenceDate", 1)),
    (("recurringSessionId", 1), ("startMode", 1), ("start.utc", 1), ("end.utc", 1)),
)
QUERY_SHAPES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    # name: (equality fields, sort fields, range fields)
    # (`scheduleIds` is an `$in` on the same key as `scheduleId`: one equality per listed value.)
    "list": (("kind",), ("start.utc", "_id"), ("start.utc", "end.utc")),
    "list_by_schedule": (("scheduleId", "kind"), ("start.utc", "_id"), ("start.utc", "end.utc")),
    "list_by_schedules": (("scheduleId", "kind"), ("start.utc", "_id"), ("start.utc", "end.utc")),
    "series_in_window": (("kind",), (), ("spanFrom", "spanTo")),
    "series_in_window_by_schedule": (("scheduleId", "kind"), (), ()),
    "series_in_window_by_schedules": (("scheduleId", "kind"), (), ()),
    "instance_exceptions": (("recurringSessionId",), (), ("occurrenceDate",)),
    "moved_instance_exceptions": (("recurringSessionId", "startMode"), (), ("start.utc", "end.utc")),
}

# Reads never carry the outbox (it can be long and is only for the dispatcher).
STORED_FIELDS: Document = {"outbox": 0}


@contextlib.contextmanager
def database_errors() -> Iterator[None]:
    """Driver failures become domain errors, so no resolver ever sees a driver exception."""
    try:
        yield
    except ConnectionFailure as error:  # includes server-selection and network time-outs
        raise Unavailable("the database is unavailable; try again shortly") from error
    except DuplicateKeyError as error:
        raise Conflict("a document with this id already exists") from error
    except PyMongoError:
        raise


def filter_query(session_filter: SessionFilter) -> Document:
    query: Document = {}
    if session_filter.schedule_id is not None:
        query["scheduleId"] = session_filter.schedule_id
    if session_filter.schedule_owner_id is not None:
        query["scheduleOwnerId"] = session_filter.schedule_owner_id
    if session_filter.type is not None:
        query["type"] = session_filter.type.value
    if session_filter.status is not None:
        query["status"] = session_filter.status.value
    if session_filter.schedule_ids is not None:
        any_of: Document = {"$in": list(session_filter.schedule_ids)}
        query["scheduleId"] = any_of if "scheduleId" not in query else {"$eq": query["scheduleId"], **any_of}
    tags: Document = {}
    if session_filter.tags:
        tags["$all"] = list(session_filter.tags)
    if session_filter.tags_any is not None:
        tags["$in"] = list(session_filter.tags_any)
    if tags:
        query["tags"] = tags
    return query


class SessionStore:
    def __init__(self, client: Any, database: str) -> None:
        self.client = client
        self.db = client[database]
        self.sessions = self.db["sessions"]

    async def ping(self) -> None:
        """Readiness: any driver failure, not only a lost connection, means "not ready"."""
        try:
            with database_errors():
                await self.db.command("ping")
        except PyMongoError as error:
            raise Unavailable("the database did not answer a ping") from error

    async def ensure_indexes(self) -> None:
        with database_errors():
            for keys in INDEXES:
                await self.sessions.create_index(list(keys))

    async def insert(self, session: Session) -> None:
        with database_errors():
            await self.sessions.insert_one(session_to_doc(session))

    async def load(self, session_id: str) -> Session | Series | None:
        """A single session or a series, whichever the id names (not instance exceptions)."""
        with database_errors():
            # A bare `_id` filter: FerretDB pushes only that down to SQLite; with any other key it
            # decodes every document of the collection. The kind is checked here instead.
            doc = await self.sessions.find_one({"_id": session_id}, STORED_FIELDS)
        if doc is None or doc.get("kind") == "instance" or not await self.committed([doc]):
            return None
        return series_from_doc(doc) if doc.get("kind") == "series" else session_from_doc(doc)

    async def insert_series(self, series: Series) -> None:
        with database_errors():
            await self.sessions.insert_one(series_to_doc(series))

    async def committed(self, docs: list[Document]) -> list[Document]:
        """`docs` without series of a split not committed yet (docs/design.md §2, crash safety): a
        `pending` series is visible once its origin lists it in `splitInto`."""
        origins = {doc["pending"]["origin"] for doc in docs if "pending" in doc}
        if not origins:
            return docs
        with database_errors():
            found = await self.sessions.find({"_id": {"$in": sorted(origins)}}, {"splitInto": 1}).to_list(
                length=None
            )
        done = {split for origin in found for split in origin.get("splitInto", ())}
        return [doc for doc in docs if "pending" not in doc or doc["_id"] in done]

    async def replace_series(
        self,
        series: Series,
        expected_revision: int,
        *,
        outbox: list[Notification] | None = None,
        split_into: str | None = None,
    ) -> bool:
        """The whole new state in one write, guarded by `revision` (compare-and-swap); `split_into`
        records a split's new series in the same write, which commits the split."""
        doc = series_to_doc(series)
        del doc["_id"]
        update: Document = {"$set": doc}
        if split_into is not None:
            update["$addToSet"] = {"splitInto": split_into}
        if "scheduleOwnerId" not in doc:
            update["$unset"] = {"scheduleOwnerId": ""}
        if outbox:
            update["$push"] = {"outbox": {"$each": [outbox_entry_to_doc(entry) for entry in outbox]}}
        with database_errors():
            result = await self.sessions.update_one({"_id": series.id, "revision": expected_revision}, update)
        return bool(result.matched_count)

    async def get_override(self, instance_id: str) -> InstanceOverride | None:
        with database_errors():
            doc = await self.sessions.find_one({"_id": instance_id}, STORED_FIELDS)
        return None if doc is None or doc.get("kind") != "instance" else override_from_doc(doc)

    async def save_override(
        self,
        override: InstanceOverride,
        expected_revision: int | None,
        *,
        outbox: list[Notification] | None = None,
    ) -> bool:
        """Insert a first exception, or replace one guarded by `revision`; False if someone was first."""
        doc = override_to_doc(override)
        if expected_revision is None:
            if outbox:
                doc["outbox"] = [outbox_entry_to_doc(entry) for entry in outbox]
            try:
                with database_errors():
                    await self.sessions.insert_one(doc)
            except Conflict:
                return False
            return True
        del doc["_id"]
        update: Document = {"$set": doc}
        cleared = {name: "" for name in ("start", "end", "durationMinutes") if name not in doc}
        if cleared:
            update["$unset"] = cleared
        if outbox:
            update["$push"] = {"outbox": {"$each": [outbox_entry_to_doc(entry) for entry in outbox]}}
        with database_errors():
            result = await self.sessions.update_one(
                {"_id": override.id, "revision": expected_revision}, update
            )
        return bool(result.matched_count)

    async def find_listed(
        self,
        session_filter: SessionFilter,
        *,
        kinds: tuple[str, ...],
        window: Window | None,
        after: SortKey | None,
        limit: int,
    ) -> list[Session]:
        """Stored sessions of `kinds` matching the filter, in (start, id) order, after the cursor."""
        conditions: list[Document] = [{"kind": {"$in": list(kinds)}}, filter_query(session_filter)]
        if window is not None:  # overlapping the window, as a calendar shows it
            conditions.append({"start.utc": {"$lt": window.end}, "end.utc": {"$gt": window.start}})
        if after is not None:
            at, last_id = after
            later = [{"start.utc": {"$gt": at}}, {"start.utc": at, "_id": {"$gt": last_id}}]
            conditions.append({"$or": later})
        with database_errors():
            cursor = self.sessions.find({"$and": conditions}, STORED_FIELDS)
            docs = await cursor.sort([("start.utc", 1), ("_id", 1)]).limit(limit).to_list(length=None)
        docs = await self.committed(docs)
        return [
            series_from_doc(doc).as_session() if doc["kind"] == "series" else session_from_doc(doc)
            for doc in docs
        ]

    async def find_series(self, session_filter: SessionFilter, window: Window) -> list[Series]:
        """Series that may have an occurrence in the window (by their precomputed UTC span).

        Only the schedule narrows the search: instances may override other fields, so the caller
        filters the computed instances.
        """
        window_from, window_to = window.start, window.end
        conditions: list[Document] = [
            {"kind": "series", "spanFrom": {"$lt": window_to}, "spanTo": {"$gte": window_from - DATE_SLACK}},
        ]
        if session_filter.schedule_id is not None:
            conditions.append({"scheduleId": session_filter.schedule_id})
        if session_filter.schedule_ids is not None:
            conditions.append({"scheduleId": {"$in": list(session_filter.schedule_ids)}})
        with database_errors():
            docs = await self.sessions.find({"$and": conditions}, STORED_FIELDS).to_list(length=None)
        return [series_from_doc(doc) for doc in await self.committed(docs)]

    async def find_overrides(
        self,
        series_ids: list[str],
        first_date: date,
        last_date: date,
        window_from: datetime,
        window_to: datetime,
    ) -> list[InstanceOverride]:
        """Exceptions for occurrences dated in the window, plus ones moved to overlap it from other dates."""
        if not series_ids:
            return []
        query = {
            "kind": "instance",
            "recurringSessionId": {"$in": series_ids},
            "$or": [
                {"occurrenceDate": {"$gte": date_to_doc(first_date), "$lte": date_to_doc(last_date)}},
                {"startMode": "fixed", "start.utc": {"$lt": window_to}, "end.utc": {"$gt": window_from}},
            ],
        }
        with database_errors():
            docs = await self.sessions.find(query, STORED_FIELDS).to_list(length=None)
        return [override_from_doc(doc) for doc in docs]

    async def patch(
        self,
        session_id: str,
        expected_revision: int,
        changes: dict[str, Any],
        *,
        now: datetime,
        outbox: list[Notification] | None = None,
    ) -> Session | None:
        """One atomic write guarded by `revision`; None means another writer got there first.

        `outbox` entries ride in the same single-document write, so a notification is recorded
        exactly when its change is (docs/design.md §5).
        """
        update = update_from_changes(changes, now=now)
        if outbox:
            update["$push"] = {"outbox": {"$each": [outbox_entry_to_doc(entry) for entry in outbox]}}
        with database_errors():
            doc = await self.sessions.find_one_and_update(
                {"_id": session_id, "revision": expected_revision},
                update,
                return_document=ReturnDocument.AFTER,
            )
        return None if doc is None else session_from_doc(doc)

    async def patch_if_changed(
        self, session_id: str, changes: dict[str, Any], *, now: datetime
    ) -> Session | None:
        """One round trip: write only to a single session where some given field differs.

        None when no document matched (unknown id, not a single session, or nothing would change):
        the caller then reads to find out which.
        """
        differs = [{FIELD_NAMES[name]: {"$ne": to_plain(value)}} for name, value in changes.items()]
        with database_errors():
            doc = await self.sessions.find_one_and_update(
                {"_id": session_id, "kind": "single", "$or": differs},
                update_from_changes(changes, now=now),
                # No projection: FerretDB 1.x does not implement `fields` on findAndModify.
                return_document=ReturnDocument.AFTER,
            )
        return None if doc is None else session_from_doc(doc)

    async def get_many(self, ids: list[str]) -> dict[str, Session | Series | InstanceOverride]:
        """One round trip for a batch of any kind of document (federation entity lookups)."""
        if not ids:
            return {}
        with database_errors():
            docs = await self.sessions.find({"_id": {"$in": ids}}, STORED_FIELDS).to_list(length=None)
        docs = await self.committed(docs)
        found: dict[str, Session | Series | InstanceOverride] = {}
        for doc in docs:
            kind = doc.get("kind")
            if kind == "series":
                found[doc["_id"]] = series_from_doc(doc)
            elif kind == "instance":
                found[doc["_id"]] = override_from_doc(doc)
            else:
                found[doc["_id"]] = session_from_doc(doc)
        return found
