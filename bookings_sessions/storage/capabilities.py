"""What the store under us guarantees, learned once from `buildInfo` (FerretDB adds its own keys to it)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pymongo import IndexModel

from .errors import database_errors

Document = dict[str, Any]


@dataclass(frozen=True)
class StoreCapabilities:
    """`atomic_updates`: a conditional single-document update is one atomic step (MongoDB).
    `secondary_indexes`: reads use indexes other than `_id`'s, so non-unique ones are worth their writes.

    FerretDB 1.24 (SQLite) has neither: it reads the document, applies the update in Go and writes it
    back, so its guards are no stronger than a check in Python; and it pushes only a bare `_id` filter
    down to SQLite, decoding every document of the collection for any other filter, so a secondary index
    serves no read and only slows every write. Unique indexes are kept everywhere: they are correctness.
    """

    atomic_updates: bool
    secondary_indexes: bool


MONGODB = StoreCapabilities(atomic_updates=True, secondary_indexes=True)
FERRETDB = StoreCapabilities(atomic_updates=False, secondary_indexes=False)


def capabilities_from_build_info(info: Document) -> StoreCapabilities:
    # FerretDB answers `ferretdbVersion`/`ferretdbFeatures` beside MongoDB's fields; MongoDB has neither.
    return FERRETDB if any(key.startswith("ferretdb") for key in info) else MONGODB


async def create_plain_indexes(
    capabilities: StoreCapabilities, collection: Any, *indexes: IndexModel
) -> None:
    """Non-unique indexes, created only on a store whose reads use them (`secondary_indexes`); unique
    ones are created by their owners everywhere. Callers wrap it in `database_errors()`."""
    if not capabilities.secondary_indexes:
        return
    for index in indexes:  # one at a time: FerretDB 1.24 closed the connection on a batch already there
        await collection.create_indexes([index])


async def ask_capabilities(db: Any) -> StoreCapabilities:
    """The capabilities of the store holding `db` (one `buildInfo`)."""
    with database_errors():
        info = await db.command("buildInfo")
    return capabilities_from_build_info(info)


@dataclass(frozen=True)
class Condition:
    """What a conditional write requires of the stored document, said twice: as a MongoDB filter (for
    an atomic store) and as a check of the document read by `_id` (for one that is not)."""

    query: Document
    holds: Callable[[Document], bool]
    fields: tuple[str, ...]  # what `holds` reads: the projection of that read


def revision_is(revision: int) -> Condition:
    return Condition({"revision": revision}, lambda doc: doc.get("revision") == revision, ("revision",))


def single_differing(values: Document, *, timed: bool = False) -> Condition:
    """A single session where some given field (document key → plain value) is not what is given;
    `timed`: and which is not all-day (whose times have a rule of their own).

    `$ne` semantics: a missing field differs from any value but null.
    """

    def holds(doc: Document) -> bool:
        if timed and doc.get("allDay") is True:
            return False
        return doc.get("kind") == "single" and any(doc.get(key) != value for key, value in values.items())

    differs = [{key: {"$ne": value}} for key, value in values.items()]
    query: Document = {"kind": "single", "$or": differs}
    if timed:
        query["allDay"] = {"$ne": True}
    return Condition(query, holds, ("kind", *values, *(("allDay",) if timed else ())))
