"""`SessionStore`: intention-revealing reads and atomic writes over the `sessions` collection."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Any

import bson
from bson.raw_bson import RawBSONDocument
from pymongo import IndexModel, ReturnDocument
from pymongo.errors import PyMongoError

from ..domain.changes import Change
from ..domain.errors import Conflict, Unavailable
from ..domain.listing import SessionFilter, Window
from ..domain.model import Session
from ..domain.notifications import Notification
from ..domain.paging import SortKey
from ..domain.series import InstanceOverride, Series
from ..domain.timezones import DATE_SLACK, as_utc
from .blocking_reads import (
    BlockingDocuments,
    any_of,
    first_branches,
    moved_into,
    second_branches,
    working_hours_of,
)
from .capabilities import (
    Condition,
    StoreCapabilities,
    ask_capabilities,
    create_plain_indexes,
    revision_is,
    single_differing,
)
from .documents import (
    FIELD_NAMES,
    Document,
    log_entry_to_doc,
    outbox_entry_to_doc,
    session_from_doc,
    session_to_doc,
    to_plain,
    update_from_changes,
)
from .errors import database_errors
from .parts import StoreParts
from .pending import CHANGE_LOG, OUTBOX, Handoff, Hints, Spool
from .series_documents import date_to_doc, override_from_doc, override_to_doc, series_from_doc, series_to_doc
from .undecodable import UndecodableDocuments
from .write_slots import WriteSlots

# One index per query shape (equality fields, then the sort, then ranges — the ESR rule):
# listing by kind or by schedule(s) sorted by (start, id), overlapping a window (start before its end,
# end after its start); candidate series for a window; exceptions of any series moved into a window
# (whose series are candidates too); a series' stored instance exceptions by date, and the ones moved
# into a window. `QUERY_SHAPES` names what each query filters and sorts on (`_id` has its own index).
INDEXES: tuple[tuple[tuple[str, int], ...], ...] = (
    (("kind", 1), ("start.utc", 1), ("_id", 1), ("end.utc", 1)),
    (("scheduleId", 1), ("kind", 1), ("start.utc", 1), ("_id", 1), ("end.utc", 1)),
    (("kind", 1), ("spanFrom", 1), ("spanTo", 1)),
    (("kind", 1), ("startMode", 1), ("start.utc", 1), ("end.utc", 1)),
    (("recurringSessionId", 1), ("occurrenceDate", 1)),
    (("recurringSessionId", 1), ("startMode", 1), ("start.utc", 1), ("end.utc", 1)),
    # Availability: sessions, series (any history entry) and exceptions that mark a schedule BUSY.
    (("affectedSchedules.scheduleId", 1), ("kind", 1), ("start.utc", 1), ("end.utc", 1)),
    (("scheduleId", 1), ("type", 1), ("status", 1)),
    # importCalendar finds what an earlier import made from an event by its iCalendar UID.
    (("scheduleId", 1), ("icalUid", 1)),
    (("history.snapshot.affectedSchedules.scheduleId", 1), ("kind", 1), ("spanFrom", 1), ("spanTo", 1)),
    (("overrides.affectedSchedules.scheduleId", 1), ("kind", 1), ("occurrenceDate", 1)),
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
    "moved_into_window": (("kind", "startMode"), (), ("start.utc", "end.utc")),
    "instance_exceptions": (("recurringSessionId",), (), ("occurrenceDate",)),
    "moved_instance_exceptions": (("recurringSessionId", "startMode"), (), ("start.utc", "end.utc")),
    # (`$in` over the schedules asked for: one equality per value, as for `scheduleIds`.)
    "schedules_with_working_hours": (("scheduleId", "type"), (), ("status",)),
    "by_ical_uids": (("scheduleId", "icalUid"), (), ()),
    "affecting_sessions": (("affectedSchedules.scheduleId", "kind"), (), ("start.utc", "end.utc")),
    "affecting_series": (
        ("history.snapshot.affectedSchedules.scheduleId", "kind"),
        (),
        ("spanFrom", "spanTo"),
    ),
    "affecting_exceptions": (("overrides.affectedSchedules.scheduleId", "kind"), (), ("occurrenceDate",)),
    # The branches of `find_blocking` not named above (storage/blocking_reads.py): its own single
    # sessions are bounded by their start (the end is checked on the index keys), and series named
    # only by an exception are read by `_id`.
    "own_sessions": (("scheduleId", "kind"), (), ("start.utc",)),
    "by_ids": (("_id",), (), ()),
}

# Reads never carry the outbox or the pending change log (only for the dispatcher and the sequencer).
STORED_FIELDS: Document = {"outbox": 0, "changeLog": 0}
# The entries one write records, by the array they go to (storage/pending.py).
Entries = dict[Spool, list[Document]]
# One guarded write: (query, update) → the result, or None when no document matched.
Write = Callable[[Document, Document], Awaitable[Any]]


# `change` is None only for writes that bypass the use cases (storage tests): every write of the API
# records exactly one change event, which the sequencer relies on (docs/design.md §9).


def entries_of(
    outbox: list[Notification] | None,
    change: Change | None,
    *,
    revision: int | None,
    on_exception: bool = False,
) -> Entries:
    """What rides in a write: its change event (§9) and notifications (§5), by spool; outbox entries
    carry the revision the write gives the document, so the dispatcher can keep a mark. On an
    instance's exception document (`on_exception`) the event keeps its schedule and revision
    (`log_entry_to_doc`)."""
    entries: Entries = {}
    if change is not None:
        entries[CHANGE_LOG] = [log_entry_to_doc(change, on_exception=on_exception)]
    if outbox:
        entries[OUTBOX] = [outbox_entry_to_doc(entry) | {"revision": revision} for entry in outbox]
    return entries


def applied(doc: Document, update: Document) -> Document:
    """`doc` after `update` (top-level `$set`, `$unset` and `$inc`, the operators of a session write's
    update, `update_from_changes`), as the store would return it."""
    after: Document = doc | update.get("$set", {})
    for key in update.get("$unset", {}):
        after.pop(key, None)
    for key, by in update.get("$inc", {}).items():
        after[key] = after.get(key, 0) + by
    return after


def appending(update: Document, entries: Entries) -> Document:
    """`update` that also appends the entries (the document has room: `Spool.room`)."""
    if entries:
        update = {**update, "$push": {spool.field: {"$each": docs} for spool, docs in entries.items()}}
    return update


def replacing(update: Document, arrays: Document) -> Document:
    """`update` that also writes the spools' arrays whole (the trimmed ones, `SessionStore._trimmed`)."""
    return update | {"$set": update.get("$set", {}) | arrays}


def with_room(condition: Condition, entries: Entries) -> Condition:
    """`condition`, and room on the document for a plain append of `entries` (`Spool.room`)."""
    if not entries:
        return condition
    spools = tuple(entries)
    room: Document = {key: value for spool in spools for key, value in spool.room().items()}
    return Condition(
        condition.query | room,
        lambda doc: condition.holds(doc) and all(spool.has_room(doc) for spool in spools),
        (*condition.fields, *(spool.field for spool in spools)),
    )


def new_document(doc: Document, entries: Entries) -> Document:
    """An inserted document carries its change event (and notifications) from the start."""
    return {**doc, **{spool.field: docs for spool, docs in entries.items()}}


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


def stored_from_doc(doc: Document) -> Session | Series | InstanceOverride:
    kind = doc.get("kind")
    if kind == "series":
        return series_from_doc(doc)
    if kind == "instance":
        return override_from_doc(doc)
    return session_from_doc(doc)


def pending_origin(doc: Document) -> str | None:
    """The series a pending (split) series was split from; None for a pending mark too broken to
    name one, which then stays invisible like an uncommitted split."""
    pending = doc.get("pending")
    origin = pending.get("origin") if isinstance(pending, dict) else None
    return origin if isinstance(origin, str) else None


async def committed_docs(sessions: Any, docs: list[Document]) -> list[Document]:
    """`docs` without series of a split not committed yet (docs/design.md §2, splits): a `pending`
    series is visible once its origin lists it in `splitInto` (the split's commit write)."""
    origins = {origin for doc in docs if "pending" in doc and (origin := pending_origin(doc))}
    if not origins:
        return [doc for doc in docs if "pending" not in doc]
    with database_errors():
        found = await sessions.find({"_id": {"$in": sorted(origins)}}, {"splitInto": 1}).to_list(length=None)
    done = {split for origin in found for split in origin.get("splitInto") or ()}
    return [doc for doc in docs if "pending" not in doc or doc["_id"] in done]


def _stored_bytes(raw: RawBSONDocument) -> bytes:
    # The driver hands out `bytes`; a memoryview (unhashable) is copied.
    return raw.raw if isinstance(raw.raw, bytes) else bytes(raw.raw)


def listed_from_doc(doc: Document) -> Session:
    return series_from_doc(doc).as_session() if doc["kind"] == "series" else session_from_doc(doc)


class SessionStore:
    """`count_undecodable` is called for every stored document a read skips (docs/operations.md);
    `parts`: the plain ones unless given (storage/parts.py)."""

    def __init__(
        self,
        client: Any,
        database: str,
        count_undecodable: Callable[[], None] | None = None,
        capabilities: StoreCapabilities | None = None,
        parts: StoreParts | None = None,
    ) -> None:
        parts = parts or StoreParts()
        self._write_slots = WriteSlots()
        self.client = client
        self.db = client[database]
        self.sessions = self.db["sessions"]
        self.new_sessions = parts.inserts(self.sessions)
        self.hints = {spool: Hints(self.db, spool) for spool in (CHANGE_LOG, OUTBOX)}
        # Opened by this process's change sequencer while it holds the lease (storage/pending.py).
        self.handoff = Handoff()
        self.undecodable = UndecodableDocuments(count_undecodable)
        # Listing reads take documents as stored bytes, which `_listed` may have decoded before.
        self.raw_sessions = self.sessions.with_options(
            codec_options=self.sessions.codec_options.with_options(document_class=RawBSONDocument)
        )
        self._listed = parts.listed
        self._capabilities = capabilities
        # FerretDB only: single sessions as this process last wrote them (`_write`).
        self.recent = parts.written

    def limit_writes(self, at_once: int) -> None:
        """At most `at_once` writes of session documents by `_id` on their way at a time (0: no limit;
        storage/write_slots.py). Set at start, before any write."""
        self._write_slots = WriteSlots(at_once)

    async def capabilities(self) -> StoreCapabilities:
        """Asked once (the app asks at start; otherwise the first conditional write does)."""
        if self._capabilities is None:
            self._capabilities = await ask_capabilities(self.db)
        return self._capabilities

    async def _write_filter(self, session_id: str, condition: Condition) -> Document | None:
        """The filter of a conditional write to one document, or None when the condition already fails.

        On an atomic store (MongoDB) the condition rides in the filter: one atomic index lookup, which
        is what makes a write safe across processes. On FerretDB the filter is the bare `_id` (the only
        one it pushes down to SQLite) and the condition is checked here on the document read by `_id`:
        no weaker than FerretDB's own non-atomic guard, and writers to one id in this process hold
        `session_lock` (docs/design.md §4). Two cheap round trips instead of one that decodes every
        document of the collection.
        """
        if (await self.capabilities()).atomic_updates:
            return {"_id": session_id, **condition.query}
        with database_errors():
            current = await self._current(session_id, condition.fields)
        return {"_id": session_id} if current is not None and condition.holds(current) else None

    async def ping(self) -> None:
        """Readiness: any driver failure, not only a lost connection, means "not ready"."""
        try:
            with database_errors():
                await self.db.command("ping")
        except PyMongoError as error:
            raise Unavailable("the database did not answer a ping") from error

    async def ensure_indexes(self) -> None:
        """`INDEXES`, on a store whose reads use them (`StoreCapabilities.secondary_indexes`)."""
        with database_errors():
            await create_plain_indexes(
                await self.capabilities(), self.sessions, *(IndexModel(list(keys)) for keys in INDEXES)
            )

    async def insert(self, session: Session, *, change: Change | None = None) -> None:
        entries = entries_of(None, change, revision=session.revision)
        doc = new_document(session_to_doc(session), entries)
        with database_errors():
            await self.new_sessions.insert(doc)
            await self._recorded(session.id, entries, doc)

    async def load(self, session_id: str) -> Session | Series | None:
        """A single session or a series, whichever the id names (not instance exceptions)."""
        with database_errors():
            # A bare `_id` filter: FerretDB pushes only that down to SQLite; with any other key it
            # decodes every document of the collection. The kind is checked here instead.
            doc = await self.sessions.find_one({"_id": session_id}, STORED_FIELDS)
        if doc is None or doc.get("kind") == "instance" or not await self.committed([doc]):
            return None
        found = self.undecodable.decode(doc, stored_from_doc)
        return None if isinstance(found, InstanceOverride) else found

    async def insert_series(self, series: Series, *, change: Change | None = None) -> None:
        entries = entries_of(None, change, revision=series.revision)
        doc = new_document(series_to_doc(series), entries)
        with database_errors():
            await self.new_sessions.insert(doc)
            await self._recorded(series.id, entries, doc)

    async def committed(self, docs: list[Document]) -> list[Document]:
        """`docs` as readers see them: without series of uncommitted splits (`committed_docs`)."""
        return await committed_docs(self.sessions, docs)

    async def replace_series(
        self,
        series: Series,
        expected_revision: int,
        *,
        change: Change | None = None,
        outbox: list[Notification] | None = None,
        split_into: str | None = None,
        ended_by: str | None = None,
    ) -> bool:
        """The whole new state in one write, guarded by `revision` (compare-and-swap); `split_into`
        records a split's new series in the same write, which commits the split; `ended_by` the mark
        of the request that ended it there, so a retry of that request finds it done."""
        doc = series_to_doc(series)
        del doc["_id"]
        update: Document = {"$set": doc}
        marks = {key: mark for key, mark in (("splitInto", split_into), ("endedBy", ended_by)) if mark}
        if marks:
            update["$addToSet"] = marks
        if "scheduleOwnerId" not in doc:
            update["$unset"] = {"scheduleOwnerId": ""}
        entries = entries_of(outbox, change, revision=series.revision)
        with database_errors():
            written = await self._write(
                series.id, revision_is(expected_revision), update, entries, self._update_one
            )
        return written is not None

    async def get_override(self, instance_id: str) -> InstanceOverride | None:
        with database_errors():
            doc = await self.sessions.find_one({"_id": instance_id}, STORED_FIELDS)
        return (
            None
            if doc is None or doc.get("kind") != "instance"
            else self.undecodable.decode(doc, override_from_doc)
        )

    async def save_override(
        self,
        override: InstanceOverride,
        expected_revision: int | None,
        *,
        change: Change | None = None,
        outbox: list[Notification] | None = None,
    ) -> bool:
        """Insert a first exception, or replace one guarded by `revision`; False if someone was first."""
        doc = override_to_doc(override)
        entries = entries_of(outbox, change, revision=override.revision, on_exception=True)
        if expected_revision is None:
            inserted = new_document(doc, entries)
            try:
                with database_errors():
                    await self.sessions.insert_one(inserted)
                    await self._recorded(override.id, entries, inserted)
            except Conflict:
                return False
            return True
        del doc["_id"]
        update: Document = {"$set": doc}
        cleared = {name: "" for name in ("start", "end", "durationMinutes") if name not in doc}
        if cleared:
            update["$unset"] = cleared
        with database_errors():
            written = await self._write(
                override.id, revision_is(expected_revision), update, entries, self._update_one
            )
        return written is not None

    async def find_listed(
        self,
        session_filter: SessionFilter,
        *,
        kinds: tuple[str, ...],
        window: Window | None,
        after: SortKey | None,
        limit: int,
        before: SortKey | None = None,
        backward: bool = False,
    ) -> list[Session]:
        """Up to `limit` stored sessions of `kinds` matching the filter, strictly between the cursors, in
        (start, id) order; `backward`: the nearest to `before` first (the same indexes, read in reverse)."""
        # One flat filter (its keys never overlap), the filter's fields first: FerretDB evaluates it in
        # Go on every document of the collection, faster than the same conditions under `$and`
        # (docs/performance.md, "One flat listing filter").
        conditions: Document = filter_query(session_filter)
        conditions["kind"] = kinds[0] if len(kinds) == 1 else {"$in": list(kinds)}
        if window is not None:  # overlapping the window, as a calendar shows it
            conditions |= {"start.utc": {"$lt": window.end}, "end.utc": {"$gt": window.start}}
        direction = -1 if backward else 1
        found: list[Session] = []
        while True:
            wanted = limit - len(found)
            with database_errors():
                cursor = self.raw_sessions.find(conditions | _keyset(after, before), STORED_FIELDS)
                cursor = cursor.sort([("start.utc", direction), ("_id", direction)])
                raws = await cursor.limit(wanted).to_list(length=None)
            found += await self._sessions_listed(raws)
            # Only a skipped document leaves the page short while more may follow: read on past it.
            if len(raws) < wanted or len(found) >= limit:
                return found
            if backward:
                before = _sort_key_of(self._decoded(raws[-1]))
            else:
                after = _sort_key_of(self._decoded(raws[-1]))

    def _decoded(self, raw: RawBSONDocument) -> Document:
        decoded: Document = bson.decode(raw.raw, self.sessions.codec_options)
        return decoded

    async def _sessions_listed(self, raws: list[RawBSONDocument]) -> list[Session]:
        """The sessions of listed documents as readers see them (`committed`, undecodable ones skipped).

        A document whose exact bytes the listed-sessions part kept is not decoded again. Only documents
        without a pending split are offered to it: whether those are visible depends on another document.
        """
        known = [self._listed.get(_stored_bytes(raw)) for raw in raws]
        fresh = [self._decoded(raw) for raw, session in zip(raws, known, strict=True) if session is None]
        visible = {id(doc) for doc in await self.committed(fresh)} if fresh else set()
        fresh_docs = iter(fresh)
        listed: list[Session] = []
        for raw, session in zip(raws, known, strict=True):
            if session is None:
                doc = next(fresh_docs)
                session = self.undecodable.decode(doc, listed_from_doc) if id(doc) in visible else None
                if session is None:
                    continue
                if "pending" not in doc:
                    self._listed.keep(_stored_bytes(raw), session)
            listed.append(session)
        return listed

    async def find_series(self, session_filter: SessionFilter, window: Window) -> list[Series]:
        """Series that may have an occurrence in the window: by their precomputed UTC span, or because
        one of their occurrences was moved into it (from any date, even outside the span).

        Only the schedule narrows the search: instances may override other fields, so the caller
        filters the computed instances.
        """
        window_from, window_to = window.start, window.end
        in_span: Document = {"spanFrom": {"$lt": window_to}, "spanTo": {"$gte": window_from - DATE_SLACK}}
        moved = await self._moved_into(window)
        conditions: list[Document] = [
            {"kind": "series", **({"$or": [in_span, {"_id": {"$in": moved}}]} if moved else in_span)},
        ]
        if session_filter.schedule_id is not None:
            conditions.append({"scheduleId": session_filter.schedule_id})
        if session_filter.schedule_ids is not None:
            conditions.append({"scheduleId": {"$in": list(session_filter.schedule_ids)}})
        with database_errors():
            docs = await self.sessions.find({"$and": conditions}, STORED_FIELDS).to_list(length=None)
        docs = await self.committed(docs)
        return [series for doc in docs if (series := self.undecodable.decode(doc, series_from_doc))]

    async def schedules_with_working_hours(self, schedule_ids: list[str]) -> set[str]:
        """Which of the schedules have working hours at all (a session or series not cancelled)."""
        query: Document = {
            "scheduleId": {"$in": schedule_ids},
            "type": "WORKING_HOURS",
            "status": {"$ne": "CANCELLED"},
        }
        with database_errors():
            found = await self.sessions.distinct("scheduleId", query)
        return {item for item in found if isinstance(item, str)}

    async def find_blocking(
        self, schedule_ids: list[str], window: Window, *, limit: int
    ) -> BlockingDocuments:
        """Every stored session, series and exception that may open or block one of the schedules in the
        window, in two round trips (storage/blocking_reads.py); `complete` is False when the first
        read met `limit` documents. Transparency is left to the caller: the schedule is what is indexed."""
        with database_errors():
            first = self.raw_sessions.find(any_of(first_branches(schedule_ids, window)), STORED_FIELDS)
            raws = await first.limit(limit).to_list(length=None)
        singles = [raw for raw in raws if raw.get("kind") == "single"]
        docs = [self._decoded(raw) for raw in raws if raw.get("kind") != "single"]
        series_docs = {doc["_id"]: doc for doc in docs if doc.get("kind") == "series"}
        named = {doc.get("recurringSessionId") for doc in docs if doc.get("kind") == "instance"}
        unread = sorted(item for item in named if isinstance(item, str) and item not in series_docs)
        if series_docs or unread:
            query = any_of(second_branches([*series_docs, *unread], unread, window))
            with database_errors():
                docs += await self.sessions.find(query, STORED_FIELDS).to_list(length=None)
        series_docs |= {doc["_id"]: doc for doc in docs if doc.get("kind") == "series"}
        exceptions = {doc["_id"]: doc for doc in docs if doc.get("kind") == "instance"}
        sessions = await self._sessions_listed(singles)
        committed = await self.committed(list(series_docs.values()))
        return BlockingDocuments(
            sessions=sessions,
            series=[item for doc in committed if (item := self.undecodable.decode(doc, series_from_doc))],
            overrides=[
                override
                for doc in exceptions.values()
                if (override := self.undecodable.decode(doc, override_from_doc))
            ],
            working_hours=working_hours_of(schedule_ids, sessions, series_docs.values()),
            complete=len(raws) < limit,
        )

    async def _moved_into(self, window: Window) -> list[str]:
        """The series with an exception moved (`fixed`) to overlap the window. An exception document has
        no schedule (its series' may change), so this asks every series' and the caller's filter
        narrows the series; only the ids are read."""
        with database_errors():
            found = self.sessions.find(moved_into(window), {"recurringSessionId": 1})
            docs = await found.to_list(length=None)
        return sorted({series for doc in docs if isinstance(series := doc.get("recurringSessionId"), str)})

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
        return [found for doc in docs if (found := self.undecodable.decode(doc, override_from_doc))]

    async def series_overrides(self, series_id: str) -> list[InstanceOverride]:
        """Every stored exception of one series (what a series write checks the capacity rule on)."""
        query = {"kind": "instance", "recurringSessionId": series_id}
        with database_errors():
            docs = await self.sessions.find(query, STORED_FIELDS).to_list(length=None)
        return [found for doc in docs if (found := self.undecodable.decode(doc, override_from_doc))]

    async def patch(
        self,
        session_id: str,
        expected_revision: int,
        changes: dict[str, Any],
        *,
        now: datetime,
        change: Change | None = None,
        outbox: list[Notification] | None = None,
    ) -> Session | None:
        """One atomic write guarded by `revision`; None means another writer got there first.

        The change event and `outbox` entries ride in the same single-document write, so they are
        recorded exactly when the change is (docs/design.md §5, §9).
        """
        update = update_from_changes(changes, now=now)
        entries = entries_of(outbox, change, revision=expected_revision + 1)
        with database_errors():
            doc = await self._write(
                session_id, revision_is(expected_revision), update, entries, self._find_and_update
            )
        return None if doc is None else self.undecodable.decode(doc, session_from_doc)

    async def patch_if_changed(
        self,
        session_id: str,
        changes: dict[str, Any],
        *,
        now: datetime,
        change: Change | None = None,
        timed: bool = False,
    ) -> Session | None:
        """One write to a single session where some given field differs (one round trip on MongoDB);
        `timed`: only to a session that is not all-day.

        None when no document matched (unknown id, not a single session, nothing would change, or an
        all-day one for a `timed` write): the caller then reads to find out which.
        """
        given = {FIELD_NAMES[name]: to_plain(value) for name, value in changes.items()}
        entries = entries_of(None, change, revision=None)
        update = update_from_changes(changes, now=now)
        # On FerretDB, the session as this process last wrote it (if kept) spares the read that checks
        # the condition; the read-plan-write path has just read it anyway.
        known = self.recent.get(session_id)
        with database_errors():
            doc = await self._write(
                session_id,
                single_differing(given, timed=timed),
                update,
                entries,
                self._find_and_update,
                known=known,
            )
        return None if doc is None else self.undecodable.decode(doc, session_from_doc)

    # --- writes that record entries (storage/pending.py) ------------------------------------------

    async def _write(
        self,
        session_id: str,
        condition: Condition,
        update: Document,
        entries: Entries,
        write: Write,
        *,
        known: Document | None = None,
    ) -> Any:
        """A write to one document, only if `condition` holds, that records `entries`; None when the
        condition fails (another writer was first, or it never held).

        While the document has room the entries are appended. Else the arrays are written back without
        what their movers have copied (their marks), in the same guarded write, so no other process's
        write is undone by a separate clean-up write. On MongoDB the condition and the room ride in the
        filter (one atomic index lookup; a read only when the room runs out). On FerretDB one read by
        `_id` checks them (`changeLog.7` in a filter would decode every document) and serves the
        trimming too: the write's filter is the bare `_id` (docs/design.md §4). There `known`, a copy of
        the document, stands in for that read when it says the condition holds: to append, or to trim
        with a write that returns what it replaced (`_trim_from_copy`).
        """
        roomy = with_room(condition, entries)
        atomic = (await self.capabilities()).atomic_updates
        if atomic:
            written = await write({"_id": session_id, **roomy.query}, appending(update, entries))
            if written is not None or not entries:
                return await self._recorded(session_id, entries, written)
        copy = known if not atomic and known is not None and condition.holds(known) else None
        if copy is not None and not roomy.holds(copy):
            return await self._trim_from_copy(session_id, copy, update, entries)
        current = copy if copy is not None else await self._current(session_id, roomy.fields)
        if current is None or not condition.holds(current):
            return None
        if not atomic and roomy.holds(current):
            written = await write({"_id": session_id}, appending(update, entries))
            return await self._recorded(session_id, entries, written)
        arrays = await self._trimmed(session_id, current, entries)
        # (On MongoDB also after a race with another writer: the filter failed but the condition holds.)
        # The arrays were computed from `current`: on MongoDB the write also expects its revision.
        where = (
            {"_id": session_id, **condition.query, "revision": current.get("revision")}
            if atomic
            else {"_id": session_id}
        )
        written = await write(where, replacing(update, arrays))
        return await self._recorded(session_id, entries, written)

    async def _trimmed(self, session_id: str, current: Document, entries: Entries) -> Document:
        """The arrays of `current` without what their movers have copied, plus `entries`."""
        arrays: Document = {}
        for spool, docs in entries.items():
            arrays[spool.field] = [*spool.uncopied(current, await self._mark(spool, session_id)), *docs]
        return arrays

    async def _trim_from_copy(
        self, session_id: str, known: Document, update: Document, entries: Entries
    ) -> Any:
        """FerretDB, a full array and this process's copy of the session: the trimmed arrays are computed
        from the copy and the write returns what it replaced, so no read comes first. The copy was the
        document unless another process wrote since (its revision moved): then its entries the trim
        dropped are written back, trimmed from what the write replaced (docs/design.md §9, "Keeping
        documents short")."""
        trim = replacing(update, await self._trimmed(session_id, known, entries))
        before = await self._find_and_update({"_id": session_id}, trim, return_document=ReturnDocument.BEFORE)
        if before is None:  # deleted meanwhile
            return await self._recorded(session_id, entries, None)
        if before.get("revision") == known.get("revision"):
            written: Document | None = applied(before, trim)
        else:
            restored = await self._trimmed(session_id, before, entries)
            written = await self._find_and_update({"_id": session_id}, {"$set": restored})
        return await self._recorded(session_id, entries, written)

    async def _mark(self, spool: Spool, session_id: str) -> int:
        """How far the spool's mover has copied: from memory when this process's change mover knows."""
        known = self.handoff.copied.get(session_id) if spool is CHANGE_LOG else None
        return await self.hints[spool].mark(session_id) if known is None else known

    async def _current(self, session_id: str, fields: tuple[str, ...]) -> Document | None:
        """The fields a conditional write checks, and the revision its trimming needs, by `_id`."""
        projection = dict.fromkeys(("revision", *fields), 1)
        found: Document | None = await self.sessions.find_one({"_id": session_id}, projection)
        return found

    async def _recorded(self, session_id: str, entries: Entries, written: Any) -> Any:
        """After every write of a session document: `written` (the document inserted or returned, an
        update's result, or None when nothing matched), once the hints for its entries are left and, on
        FerretDB, the document as written is remembered (or forgotten when the write did not return it;
        only single sessions are kept)."""
        doc = written if isinstance(written, dict) else None
        if written is not None:
            await self._leave_hints(session_id, entries, doc)
        if not (await self.capabilities()).atomic_updates:
            if doc is None:
                self.recent.forget(session_id)
            else:
                self.recent.remember(doc)
        return written

    async def _leave_hints(self, session_id: str, entries: Entries, doc: Document | None = None) -> None:
        """After the write: a mover that takes the hint then reads a document that has the entries.
        `doc` is the document as written (inserted, or returned by the write), if the write has it:
        handed to this process's change sequencer, it spares the mover that read."""
        for spool in entries:
            if spool is CHANGE_LOG and self.handoff.offer(session_id, doc):
                continue
            await self.hints[spool].leave(session_id)

    async def _update_one(self, query: Document, update: Document) -> Any:
        async with self._write_slots.held():
            result = await self.sessions.update_one(query, update)
        return result if result.matched_count else None

    async def _find_and_update(
        self, query: Document, update: Document, return_document: bool = ReturnDocument.AFTER
    ) -> Document | None:
        # No projection: FerretDB 1.x does not implement `fields` on findAndModify.
        async with self._write_slots.held():
            doc: Document | None = await self.sessions.find_one_and_update(
                query, update, return_document=return_document
            )
        return doc

    async def find_by_ical_uids(self, schedule_id: str, uids: list[str]) -> dict[str, Session | Series]:
        """A schedule's sessions and series imported from these iCalendar UIDs (`$in`: one equality per
        UID). Should two carry one UID (a split's new series keeps its original's), the first made wins."""
        if not uids:
            return {}
        query = {"scheduleId": schedule_id, "icalUid": {"$in": uids}}
        with database_errors():
            docs = await self.sessions.find(query, STORED_FIELDS).to_list(length=None)
        found: dict[str, Session | Series] = {}
        for doc in sorted(await self.committed(docs), key=_made_order):
            stored = self.undecodable.decode(doc, stored_from_doc)
            if isinstance(stored, Session | Series):
                found.setdefault(doc["icalUid"], stored)
        return found

    async def get_many(self, ids: list[str]) -> dict[str, Session | Series | InstanceOverride]:
        """One round trip for a batch of any kind of document (federation entity lookups)."""
        if not ids:
            return {}
        with database_errors():
            docs = await self.sessions.find({"_id": {"$in": ids}}, STORED_FIELDS).to_list(length=None)
        docs = await self.committed(docs)
        return {doc["_id"]: found for doc in docs if (found := self.undecodable.decode(doc, stored_from_doc))}


def _made_order(doc: Document) -> tuple[str, str]:
    made = doc.get("createdDate")
    return (made.isoformat() if isinstance(made, datetime) else "", str(doc["_id"]))


def _keyset(after: SortKey | None, before: SortKey | None) -> Document:
    """Documents strictly between two (start, id) keyset cursors (either may be absent)."""
    bounds = [bound for bound in (_beyond(after, "$gt"), _beyond(before, "$lt")) if bound]
    return {"$and": bounds} if len(bounds) == 2 else (bounds[0] if bounds else {})


def _beyond(key: SortKey | None, side: str) -> Document:
    if key is None:
        return {}
    at, last_id = key
    return {"$or": [{"start.utc": {side: at}}, {"start.utc": at, "_id": {side: last_id}}]}


def _sort_key_of(doc: Document) -> SortKey:
    # A document too broken to carry a start sorts first (null before dates): resume from the earliest date.
    start = doc.get("start")
    at = start.get("utc") if isinstance(start, dict) else None
    return (as_utc(at) if isinstance(at, datetime) else datetime.min.replace(tzinfo=UTC), str(doc["_id"]))
