"""Entries a write leaves on its session document for a mover — the change log (§9) and the outbox (§5):
the arrays and their `ROOM`, writer-side trimming, hints (stored or handed over in memory) and marks.
Why a mover never writes to a session document: docs/design.md §9, "Keeping documents short".

No import of the driver's errors here: callers wrap these calls in `database_errors()`.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from pymongo.errors import DuplicateKeyError

Document = dict[str, Any]

# Entries a document holds before a write trims the copied ones (docs/design.md §9).
ROOM = 8


@dataclass(frozen=True, slots=True)
class Spool:
    field: str  # the array on a session document
    hints: str  # the collection of `{_id: sessionId}` hints
    marks: str  # the collection of `{_id: sessionId, revision: highest copied}`
    # The change log has exactly one entry per revision, so an unstamped entry's revision is its
    # position (the write shortcut cannot stamp it, §4): one below the next entry's, the last one the
    # document's. Entries on an exception are stamped (its revision jumps, §1); outbox entries carry theirs.
    positional: bool
    # A key every entry has: a document has entries when one of them has it (`Hints.scan`).
    marker: str

    def revisions(self, doc: Document) -> list[int | None]:
        """The revision of each entry on `doc`, in order (None: an unstamped outbox entry)."""
        entries: list[Document] = doc.get(self.field) or []
        if not self.positional:
            return [entry.get("revision") for entry in entries]
        found: list[int | None] = []
        following = int(doc.get("revision", 0)) + 1
        for entry in reversed(entries):
            stamped = entry.get("revision")
            following = int(stamped) if stamped is not None else following - 1
            found.append(following)
        return found[::-1]

    def uncopied(self, doc: Document, mark: int) -> list[Document]:
        """The entries above the mover's mark (an unstamped entry counts as not copied)."""
        entries: list[Document] = doc.get(self.field) or []
        return [
            entry
            for entry, revision in zip(entries, self.revisions(doc), strict=True)
            if revision is None or revision > mark
        ]

    def behind(self, doc: Document, mark: int) -> bool:
        return bool(self.uncopied(doc, mark))

    def room(self) -> Document:
        """The filter a plain append needs: fewer than `ROOM` entries on the document."""
        return {f"{self.field}.{ROOM - 1}": {"$exists": False}}

    def has_room(self, doc: Document) -> bool:
        """`room()` checked on a document read by `_id` (FerretDB: `_write_filter`)."""
        entries = doc.get(self.field)
        return not isinstance(entries, list) or len(entries) < ROOM


CHANGE_LOG = Spool(
    field="changeLog", hints="dirty_sessions", marks="change_marks", positional=True, marker="kind"
)
OUTBOX = Spool(field="outbox", hints="dirty_outboxes", marks="outbox_marks", positional=False, marker="id")


# What a mover reads of a session document besides its spool's array (`pending`: an uncommitted split's
# series is skipped by the change mover, storage/change_log.py).
PROJECTION: Document = {"revision": 1, "scheduleId": 1, "pending": 1}


class CopiedMarks(Protocol):
    """The one owner of a change mover's marks in memory (storage/change_log.py's `ChangeLogStore`)."""

    @property
    def marks(self) -> Mapping[str, int]: ...


class Handoff:
    """Hints for this process's own change mover while it holds the lease: kept in memory, so a write
    costs no hint insert and the mover no hint read or delete. When the write returned its document,
    the entries and revision ride along, and the mover need not read the document back either.

    Nothing is lost when this process dies with hints in here: every new lease holder first scans all
    sessions (docs/design.md §9). A mover that loses its lease closes the handoff and writes what is
    left as ordinary hints (`drain`), since another holder may have scanned before those writes.
    """

    def __init__(self) -> None:
        self.open = False
        # session id → its document's entries and revision after the latest write, or None: read it.
        self._docs: dict[str, Document | None] = {}
        self._mover: CopiedMarks | None = None

    def follow(self, mover: CopiedMarks) -> None:
        """Read marks from this process's change mover (the sequencer wires it once)."""
        self._mover = mover

    @property
    def copied(self) -> Mapping[str, int]:
        """The mover's marks (session id → every entry up to this revision is in `changes`), ahead of the
        stored ones and true with or without the lease: a writer trimming a change log here reads its
        mark from memory."""
        return {} if self._mover is None else self._mover.marks

    def offer(self, session_id: str, doc: Document | None) -> bool:
        """True when taken in memory (the mover here holds the lease); else leave an ordinary hint."""
        if not self.open:
            return False
        known = self._docs.get(session_id, doc)
        if doc is None or known is None:
            self._docs[session_id] = None  # a read after both writes covers both
        elif doc.get("revision", 0) >= known.get("revision", 0):
            # A later write's document holds every entry of an earlier one not yet copied.
            kept = (*PROJECTION, "_id", CHANGE_LOG.field)
            self._docs[session_id] = {key: doc[key] for key in kept if key in doc}
        return True

    def take(self, limit: int | None = None) -> dict[str, Document | None]:
        """Up to `limit` hints, oldest first, each with its document (None: read it)."""
        ids = list(self._docs)[:limit]
        return {session_id: self._docs.pop(session_id) for session_id in ids}

    def put_back(self, ids: list[str]) -> None:
        for session_id in ids:
            self._docs.setdefault(session_id, None)

    @property
    def waiting(self) -> bool:
        return bool(self._docs)


class Hints:
    """One spool's hints and marks, as its writers and its mover use them."""

    def __init__(self, db: Any, spool: Spool) -> None:
        self.spool = spool
        self.sessions = db["sessions"]
        self.hints = db[spool.hints]
        self.marks = db[spool.marks]

    async def drain(self, handoff: Handoff) -> None:
        """The handoff's hints as ordinary ones (its mover lost the lease); kept there until written."""
        ids = list(handoff.take())
        for index, session_id in enumerate(ids):
            try:
                await self.leave(session_id)
            except BaseException:
                handoff.put_back(ids[index:])
                raise

    async def leave(self, session_id: str) -> None:
        """After a write: one pending hint per session is enough."""
        with contextlib.suppress(DuplicateKeyError):
            await self.hints.insert_one({"_id": session_id})

    async def take(self, limit: int) -> list[Document]:
        """Hinted sessions' documents (their entries and revision), the hints deleted before the reads.

        One delete for all the hints taken (the hint collection is small, so FerretDB's decoding of it
        for an `$in` is cheap), then a read by `_id` per session: on `sessions` only a bare `_id` is
        pushed down to SQLite, where an `$in` would decode the whole collection.
        """
        hints = await self.hints.find({}, {"_id": 1}).limit(limit).to_list(length=None)
        ids = [hint["_id"] for hint in hints]
        if not ids:
            return []
        await self.hints.delete_many({"_id": {"$in": ids}})
        return await self.read(ids)

    async def read(self, ids: list[str]) -> list[Document]:
        """The documents of `ids` (their entries and revision), one read by `_id` each."""
        projection = PROJECTION | {self.spool.field: 1}
        taken: list[Document] = []
        for session_id in ids:
            doc = await self.sessions.find_one({"_id": session_id}, projection)
            if doc is not None:
                taken.append(doc)
        return taken

    async def scan(self) -> AsyncIterator[Document]:
        """Every session document with entries: the rare full scan (decodes `sessions` on FerretDB)."""
        projection = PROJECTION | {self.spool.field: 1}
        # On MongoDB the outbox's sparse index on `outbox.id` serves this.
        query = {f"{self.spool.field}.{self.spool.marker}": {"$exists": True}}
        async for doc in self.sessions.find(query, projection):
            yield doc

    async def mark(self, session_id: str) -> int:
        doc = await self.marks.find_one({"_id": session_id})
        return int(doc["revision"]) if doc else 0

    async def all_marks(self) -> dict[str, int]:
        return {doc["_id"]: int(doc["revision"]) async for doc in self.marks.find({})}

    async def advance(self, session_id: str, revision: int) -> None:
        """Record that entries up to `revision` are copied; never lowers a mark.

        Written only after the copies: a mark too low (two movers racing on FerretDB, where `$max` is
        an unlocked read-modify-write too) costs a duplicate copy attempt; a mark is never too high.
        """
        update = {"$max": {"revision": revision}}
        try:
            await self.marks.update_one({"_id": session_id}, update, upsert=True)
        except DuplicateKeyError:  # two first upserts raced: the document exists now
            await self.marks.update_one({"_id": session_id}, update)
