"""The change log's collections: pending entries on session documents → numbered events in `changes`,
the sequencer's lease and committed mark (`change_sequencer`), and the per-session marks
(`change_marks`). What each holds and why the order holds: docs/design.md §9.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice
from typing import Any

from pymongo import IndexModel
from pymongo.errors import BulkWriteError, DuplicateKeyError, OperationFailure

from ..domain.changes import Change, resolve_pending
from ..domain.errors import CursorExpired
from .capabilities import StoreCapabilities, create_plain_indexes
from .documents import Document, change_from_doc, change_to_doc
from .errors import DUPLICATE_KEY, NOT_IMPLEMENTED, database_errors
from .pending import CHANGE_LOG, ROOM, Handoff, Hints
from .store import committed_docs

COMMITTED = "committed"
LEASE = "lease"
# Marks a lease holder keeps in memory before it starts over (each is a few dozen bytes).
MARKS_KEPT = 100_000
# The stored mark of a session another process writes may lag by fewer revisions than this: a writer
# there trims a full change log with it. Of a session only this process writes (its writers trim with
# the marks in memory), the mark is stored when the holder lets go of the lease. What a lag costs: a
# holder taking over after a crash tries to copy those entries again (at most the `ROOM` a document
# holds; the unique (sessionId, revision) skips them); so a quiet spell stores some. What it saves: mark
# writes under load, each an update of its own (FerretDB 1.24 stalls on a bulk update).
STORED_EVERY = ROOM // 2
# A quiet spell is this many rounds in a row with nothing to move. Under steady writes the round that
# follows a full batch often finds nothing new, a gap of milliseconds; storing marks there cost a mark
# update every six writes.
QUIET_ROUNDS_BEFORE_STORING = 2
# FerretDB 1.24 runs an ordered `insert_many` in batches of this many documents and, after a duplicate
# key in one batch, still inserts the next ones: a round's events past a re-copy would take numbers
# ahead of the entries before them. So a round inserts at most this many at a time.
INSERT_BATCH = 100


class LostLease(RuntimeError):
    """Another sequencer numbered an event with the number this one was about to use."""


@dataclass(frozen=True, slots=True)
class Lease:
    owner: str
    generation: int


class ChangeLogStore:
    def __init__(self, db: Any) -> None:
        self.sessions = db["sessions"]
        self.changes = db["changes"]
        self.sequencer = db["change_sequencer"]
        self.pending = Hints(db, CHANGE_LOG)
        self._marks: dict[str, int] = {}  # how far this holder knows entries are copied
        self._stored: dict[str, int] = {}  # the marks as stored, where known
        self._ahead: set[str] = set()  # the sessions whose mark is ahead of the stored one
        # The last `move` took a full batch of hints: more may be waiting for the next round.
        self.backlog = False
        # Rounds in a row that moved nothing: the second one stores marks (a quiet spell, not the gap
        # after a full batch while writes go on).
        self._quiet_rounds = 0

    async def ensure_indexes(self, retention: timedelta, capabilities: StoreCapabilities) -> bool:
        """Creates the indexes; False when the store has no TTL indexes (the caller must prune).

        The unique (sessionId, revision) everywhere: it refuses an event copied twice. The plain ones
        only where reads use them (`StoreCapabilities.secondary_indexes`).
        """
        with database_errors():
            await self.changes.create_index([("sessionId", 1), ("revision", 1)], unique=True)
            await create_plain_indexes(
                capabilities,
                self.changes,
                IndexModel([("scheduleId", 1), ("_id", 1)]),
                IndexModel([("previousScheduleId", 1), ("_id", 1)]),
            )
            try:
                await self.changes.create_index(
                    [("at", 1)], expireAfterSeconds=int(retention.total_seconds()), name="at_ttl"
                )
            except OperationFailure as error:
                if error.code != NOT_IMPLEMENTED:
                    raise
                # For the pruning's `at` range.
                await create_plain_indexes(capabilities, self.changes, IndexModel([("at", 1)]))
                return False
        return True

    # --- the lease --------------------------------------------------------------------------------

    async def acquire(self, owner: str, *, now: datetime, lease: timedelta) -> Lease | None:
        """Takes the sequencer lease if it is free or has run out; None when another holds it.

        The claim document of the next generation can be inserted once only (atomic on FerretDB as on
        MongoDB), so exactly one contender gets each generation.
        """
        with database_errors():
            current = await self.sequencer.find_one({"_id": LEASE})
            if current is not None and current["leaseUntil"] > now and current["owner"] != owner:
                return None
            generation = (current or {}).get("generation", 0) + 1
            try:
                await self.sequencer.insert_one({"_id": f"claim:{generation}", "owner": owner, "at": now})
            except DuplicateKeyError:
                return None
            # Another holder may have raised marks since this one last held the lease: what this one
            # knows is stored (never lowering one), then read again as sessions come up.
            await self.store_marks()
            self.forget_marks()
            await self.sequencer.update_one(
                {"_id": LEASE},
                {"$set": {"owner": owner, "generation": generation, "leaseUntil": now + lease}},
                upsert=True,
            )
            # A claim only matters while its generation is the newest; keep the last two for people.
            await self.sequencer.delete_one({"_id": f"claim:{generation - 2}"})
        return Lease(owner=owner, generation=generation)

    async def renew(self, held: Lease, *, now: datetime, lease: timedelta) -> bool:
        """Extends a held lease; False when another sequencer took it over meanwhile."""
        with database_errors():
            result = await self.sequencer.update_one(
                {"_id": LEASE, "generation": held.generation, "owner": held.owner},
                {"$set": {"leaseUntil": now + lease}},
            )
        return bool(result.matched_count)

    async def release(self, held: Lease, *, now: datetime) -> None:
        with database_errors():
            await self.sequencer.update_one(
                {"_id": LEASE, "generation": held.generation, "owner": held.owner},
                {"$set": {"leaseUntil": now}},
            )

    # --- moving: session change logs → changes ------------------------------------------------

    async def move(
        self,
        next_number: int,
        *,
        limit: int,
        scan: bool = False,
        handoff: Handoff | None = None,
        keep_lease: Callable[[], Awaitable[None]] | None = None,
    ) -> list[Change]:
        """Numbers and copies the new entries of up to `limit` hinted sessions (every session: `scan`).

        Call only while holding the lease. The round's entries above their sessions' marks are copied
        in write order (one insert), then the marks raised (in memory; stored as `STORED_EVERY` says); a
        copy of an entry whose mark was not stored (a crash) hits the unique (sessionId, revision) and
        is skipped. Session documents are only read (storage/pending.py).
        `next_number` is the first number to give (the holder keeps count: `last_number() + 1` when it
        took the lease). `handoff`: this process's writers' hints (storage/pending.py), taken with the
        stored ones. `keep_lease` runs before each insert and raises `LostLease` when the lease is no
        longer held (a round, such as a first scan, that outlasted it). Returns the events newly
        numbered, in order.
        """
        handed = {} if handoff is None else handoff.take(None if scan else limit)
        # Hints the take left behind: a full batch. Not those handed over while this round runs: under
        # steady writes there always are some, and following them at once made a round per few writes.
        left_behind = handoff is not None and handoff.waiting
        self.backlog = False
        with database_errors():
            if scan:  # reads every document with entries: the handoff's are among them
                stored = await self.pending.all_marks()
                self._stored.update(stored)
                for session_id, revision in stored.items():
                    self._marks[session_id] = max(revision, self._marks.get(session_id, 0))
                found = [
                    doc
                    async for doc in self.pending.scan()
                    if CHANGE_LOG.behind(doc, self._marks.get(doc["_id"], 0))
                ]
                for doc in found:  # every stored mark was just read: a session without one has none
                    self._marks.setdefault(doc["_id"], 0)
                    self._stored.setdefault(doc["_id"], 0)
                elsewhere = {doc["_id"] for doc in found}  # written by whichever process
            else:
                found, elsewhere = await self._hinted(handed, limit)
                self.backlog = len(found) >= limit or left_behind
            # A split's new series carries its CREATED event from its pending insert: moved only once
            # the split is committed, so a split that never commits never shows in the log (§2). Its
            # hint, taken above, is left again for a later round (a scan takes no hints).
            docs = await committed_docs(self.sessions, found)
            if not scan:
                visible = {doc["_id"] for doc in docs}
                for doc in found:
                    if doc["_id"] not in visible:
                        await self.pending.leave(doc["_id"])
            pending: list[Change] = []
            revisions: dict[str, int] = {}
            for doc in docs:
                mark = await self._mark(doc)
                entries = resolve_pending(
                    # The entries leave out their session, which is the document's (`log_entry_to_doc`).
                    (
                        change_from_doc({"sessionId": doc["_id"], **entry})
                        for entry in CHANGE_LOG.uncopied(doc, mark)
                    ),
                    revision=doc.get("revision", 0),
                    schedule_id=doc.get("scheduleId"),
                )
                if entries:
                    pending += entries
                    assert entries[-1].revision is not None
                    revisions[doc["_id"]] = entries[-1].revision
            try:
                moved = await self._insert_all(pending, next_number, keep_lease)
            except LostLease:
                # The next holder's first scan may have come before these writes: their hints go back.
                for doc in docs:
                    await self.pending.leave(doc["_id"])
                raise
            # Committed as soon as the numbers exist, before the marks: a holder stopped while raising
            # them (cancelled, or dead) leaves its events readable, and a mark left behind costs the
            # next holder only a copy the unique (sessionId, revision) skips.
            if moved:
                assert moved[-1].sequence is not None
                await self.commit(moved[-1].sequence)
            for session_id, revision in revisions.items():
                self._marks[session_id] = max(revision, self._marks.get(session_id, 0))
                lag = revision - self._stored.get(session_id, 0)
                if lag > 0:
                    self._ahead.add(session_id)
                if session_id in elsewhere and lag >= STORED_EVERY:
                    await self._store_mark(session_id, self._marks[session_id])
            self._quiet_rounds = 0 if moved else self._quiet_rounds + 1
            if self._quiet_rounds >= QUIET_ROUNDS_BEFORE_STORING:
                await self.store_marks(limit)  # what a holder stopped later would have to store
            if len(self._marks) >= MARKS_KEPT:
                await self.store_marks()
                self.forget_marks()  # read again from the store as sessions come up
        return moved

    async def store_marks(self, limit: int | None = None) -> None:
        """Stores the marks this holder is ahead on: all of them (before it lets go of the lease, or
        forgets them), or up to `limit` (a quiet spell: `QUIET_ROUNDS_BEFORE_STORING`)."""
        with database_errors():
            for session_id in list(islice(self._ahead, limit)):
                await self._store_mark(session_id, self._marks[session_id])

    async def _store_mark(self, session_id: str, revision: int) -> None:
        # One update per session: FerretDB 1.24 stalled on a bulk update of many marks under load.
        await self.pending.advance(session_id, revision)
        self._stored[session_id] = revision
        self._ahead.discard(session_id)

    async def _hinted(
        self, handed: dict[str, Document | None], limit: int
    ) -> tuple[list[Document], set[str]]:
        """The documents of the handed and the stored hints (a handed document saves its read), and
        the sessions of the stored hints: written by other processes (or before the handoff opened)."""
        docs = {doc["_id"]: doc for doc in await self.pending.take(limit)}
        elsewhere = set(docs)
        unread = [session_id for session_id, doc in handed.items() if doc is None and session_id not in docs]
        for doc in [*await self.pending.read(unread), *(doc for doc in handed.values() if doc is not None)]:
            known = docs.get(doc["_id"])
            # The later state of a document holds every entry of an earlier one not yet copied.
            if known is None or doc.get("revision", 0) > known.get("revision", 0):
                docs[doc["_id"]] = doc
        return list(docs.values()), elsewhere

    async def _mark(self, doc: Document) -> int:
        """The session's mark, read once per lease: only this holder raises it meanwhile. A mark too
        low (after another holder's overlap) costs a duplicate copy attempt, never a lost or doubled
        event; so a document at revision 1, just created, is taken to have none without a read."""
        session_id = doc["_id"]
        mark = self._marks.get(session_id)
        if mark is None:
            fresh = doc.get("revision") == 1
            mark = self._marks[session_id] = 0 if fresh else await self.pending.mark(session_id)
            self._stored[session_id] = mark
        return mark

    @property
    def marks(self) -> Mapping[str, int]:
        """How far this holder knows entries are copied; this process's writers trim with these
        (storage/pending.py `Handoff.copied`). Only `move` raises them."""
        return self._marks

    def forget_marks(self) -> None:
        """Marks are read from the store again (call `store_marks` first: those ahead are lost)."""
        self._marks.clear()
        self._stored.clear()
        self._ahead.clear()

    async def _insert_all(
        self, pending: list[Change], next_number: int, keep_lease: Callable[[], Awaitable[None]] | None
    ) -> list[Change]:
        """Numbers `pending` from `next_number` and inserts them in order; an entry already in
        `changes` (a re-copy) is skipped and takes no number. Returns the events numbered.

        Each session's entries are numbered in revision order: the inserts are ordered, in chunks of
        `INSERT_BATCH`, and stop at a duplicate, so what is in `changes` after any failure is a prefix
        of `pending` (without its re-copies) — never a later revision without an earlier one.
        """
        moved: list[Change] = []
        number, rest = next_number, pending
        recopies_checked = False
        while rest:
            if keep_lease is not None:
                await keep_lease()
            chunk = [_numbered(entry, at) for at, entry in enumerate(rest[:INSERT_BATCH], start=number)]
            inserted = await self._insert_ordered(chunk)
            moved += chunk[:inserted]
            number, rest = number + inserted, rest[inserted:]
            if not rest or inserted == len(chunk):
                continue
            candidate = _numbered(rest[0], number)
            if await self._numbered_now(candidate):
                moved.append(candidate)
                number += 1
            rest = rest[1:]
            if not recopies_checked:
                # Marks behind (a holder that died before storing them): usually more re-copies follow,
                # each a failed insert; one read of what is in `changes` drops them all.
                recopies_checked = True
                rest = await self._not_copied(rest)
        return moved

    async def _insert_ordered(self, chunk: list[Change]) -> int:
        """Inserts `chunk` in order, one round trip; how many went in before a duplicate key."""
        try:
            await self.changes.insert_many([change_to_doc(change) for change in chunk], ordered=True)
        except BulkWriteError as error:
            errors = error.details.get("writeErrors") or [{}]
            if errors[0].get("code") != DUPLICATE_KEY:
                raise
            return int(errors[0]["index"])
        return len(chunk)

    async def _numbered_now(self, change: Change) -> bool:
        """After its insert found a duplicate key: True when `change` is in `changes` under its number
        (an insert retried), False when this (session, revision) was moved before; `LostLease` when
        another event holds its number. By `_id`: the one filter FerretDB pushes down to SQLite."""
        taken = await self.changes.find_one({"_id": change.sequence}, {"sessionId": 1, "revision": 1})
        if taken is None:
            return False
        if (taken.get("sessionId"), taken.get("revision")) != (change.session_id, change.revision):
            raise LostLease(f"sequence number {change.sequence} is taken")
        return True

    async def _not_copied(self, pending: list[Change]) -> list[Change]:
        """`pending` without the entries already in `changes` (one query; on FerretDB it decodes the
        collection, cheaper than a failed insert and a read per re-copy)."""
        sessions = sorted({entry.session_id for entry in pending})
        if not sessions:
            return pending
        found = self.changes.find({"sessionId": {"$in": sessions}}, {"sessionId": 1, "revision": 1, "_id": 0})
        copied = {(doc["sessionId"], doc["revision"]) async for doc in found}
        return [entry for entry in pending if (entry.session_id, entry.revision) not in copied]

    async def last_number(self) -> int:
        """The highest number used: the newest event, or the committed mark if retention removed it.

        A sequencer that stopped after copying but before committing left events above the mark; they
        keep their numbers, and the next holder commits them when it takes over (`commit`).
        """
        with database_errors():
            newest = await self.changes.find({}, {"_id": 1}).sort([("_id", -1)]).limit(1).to_list(length=None)
        return max(newest[0]["_id"] if newest else 0, await self.committed())

    async def commit(self, up_to: int) -> None:
        """Readers see every event up to `up_to`: call only when each number up to it exists (a round's
        own inserts succeeded, or a new holder's `last_number`: numbers are used in order, and a holder
        inserts a round's in order)."""
        # `$max`: a sequencer that lost its lease mid-round never moves the mark backwards.
        await self.sequencer.update_one({"_id": COMMITTED}, {"$max": {"upTo": up_to}}, upsert=True)

    async def prune(self, before: datetime) -> int:
        """Retention where the store has no TTL index (FerretDB): deletes events older than `before`."""
        with database_errors():
            result = await self.changes.delete_many({"at": {"$lt": before}})
        return int(result.deleted_count)

    # --- reading ----------------------------------------------------------------------------------

    async def committed(self) -> int:
        with database_errors():
            doc = await self.sequencer.find_one({"_id": COMMITTED})
        return int(doc["upTo"]) if doc else 0

    async def between(self, after: int, up_to: int, *, limit: int) -> list[Change]:
        """Events numbered after `after` up to `up_to`, in order (the live feed's poll)."""
        with database_errors():
            docs = (
                await self.changes.find({"_id": {"$gt": after, "$lte": up_to}})
                .sort([("_id", 1)])
                .limit(limit)
                .to_list(length=None)
            )
        return [change_from_doc(doc) for doc in docs]

    async def page(
        self, *, after: int | None, first: int, schedule_ids: list[str] | None = None
    ) -> tuple[list[Change], bool, int]:
        """Events after `after` (or from the oldest retained), up to the committed number.

        Returns the page, whether more follow, and the committed number. A cursor behind the oldest
        retained event, or ahead of the log (a log that was reset), is `CursorExpired`.
        """
        committed = await self.committed()
        with database_errors():
            if after is not None:
                oldest = (
                    await self.changes.find({}, {"_id": 1}).sort([("_id", 1)]).limit(1).to_list(length=None)
                )
                first_kept = oldest[0]["_id"] if oldest else committed + 1
                if after > committed or after < first_kept - 1:
                    raise CursorExpired(
                        "this cursor is older than the retained changes (or from another log): "
                        "re-read what you mirror, then follow the changes from a new cursor",
                        field="after",
                    )
            numbers: Document = {"$lte": committed}
            if after is not None:
                numbers["$gt"] = after
            query: Document = {"_id": numbers}
            if schedule_ids is not None:
                # On one of them after the change, or moved off one by it (a mirror drops the session).
                listed = {"$in": schedule_ids}
                query["$or"] = [{"scheduleId": listed}, {"previousScheduleId": listed}]
            docs = await self.changes.find(query).sort([("_id", 1)]).limit(first + 1).to_list(length=None)
        return [change_from_doc(doc) for doc in docs[:first]], len(docs) > first, committed


def _numbered(entry: Change, number: int) -> Change:
    """The event as `changes` stores it, with its sequence number (and the schedule it moved the
    session off, if it did: readers filtering by that schedule are told the session left)."""
    return entry.model_copy(update={"sequence": number})
