"""`SessionStore`: intention-revealing reads and atomic writes over the `sessions` collection."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import ConnectionFailure, DuplicateKeyError, PyMongoError

from ..domain.errors import Conflict, Unavailable
from ..domain.model import Session
from .documents import session_from_doc, session_to_doc, update_from_changes


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


class SessionStore:
    def __init__(self, client: Any, database: str) -> None:
        self.client = client
        self.db = client[database]
        self.sessions = self.db["sessions"]

    async def ping(self) -> None:
        with database_errors():
            await self.db.command("ping")

    async def ensure_indexes(self) -> None:
        with database_errors():
            await self.sessions.create_index([("scheduleId", 1), ("start.utc", 1), ("_id", 1)])
            await self.sessions.create_index([("recurringSessionId", 1), ("occurrenceDate", 1)])

    async def insert(self, session: Session) -> None:
        with database_errors():
            await self.sessions.insert_one(session_to_doc(session))

    async def get(self, session_id: str) -> Session | None:
        with database_errors():
            doc = await self.sessions.find_one({"_id": session_id})
        return None if doc is None else session_from_doc(doc)

    async def patch(
        self,
        session_id: str,
        expected_revision: int,
        changes: dict[str, Any],
        *,
        now: datetime,
        outbox: list[dict[str, Any]] | None = None,
    ) -> Session | None:
        """One atomic write guarded by `revision`; None means another writer got there first.

        `outbox` entries ride in the same single-document write, so a notification is recorded
        exactly when its change is (DESIGN §5).
        """
        update = update_from_changes(changes, now=now)
        if outbox:
            update["$push"] = {"outbox": {"$each": outbox}}
        with database_errors():
            doc = await self.sessions.find_one_and_update(
                {"_id": session_id, "revision": expected_revision},
                update,
                return_document=ReturnDocument.AFTER,
            )
        return None if doc is None else session_from_doc(doc)

    async def drop_all(self) -> None:
        """Tests only: an empty collection between tests."""
        with database_errors():
            await self.sessions.delete_many({})

    async def get_many(self, session_ids: list[str]) -> dict[str, Session]:
        """One round trip for a batch (federation entity lookups)."""
        with database_errors():
            docs = await self.sessions.find({"_id": {"$in": session_ids}}).to_list(length=None)
        return {doc["_id"]: session_from_doc(doc) for doc in docs}
