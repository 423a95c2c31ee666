"""Inserts into one collection that arrive while another is on its way go together in one `insert_many`
(`ordered=False`: each document succeeds or fails on its own). The store's `inserts` part
(storage/parts.py); why, and what a failed batch means: docs/design.md §4, "Create".
"""

from __future__ import annotations

import asyncio
from typing import Any, Final

from pymongo.errors import BulkWriteError, DuplicateKeyError, OperationFailure

from ..storage.errors import DUPLICATE_KEY
from ..storage.parts import Document

# Documents per `insert_many` at most (FerretDB's own batch size is 100).
MAX_BATCH: Final = 100


class GroupedInserts:
    def __init__(self, collection: Any) -> None:
        self._collection = collection
        self._waiting: list[tuple[Document, asyncio.Future[None]]] = []
        self._sending: asyncio.Task[None] | None = None

    async def insert(self, doc: Document) -> None:
        """Returns once `doc` is inserted; raises what inserting it alone would have raised."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((doc, future))
        if self._sending is None or self._sending.done():
            # A task of its own: a caller that gives up (cancelled) must not stop the others' batch.
            self._sending = asyncio.create_task(self._send_all())
        try:
            await asyncio.shield(future)
        except asyncio.CancelledError:
            future.add_done_callback(_outcome_seen)  # nobody reads it now: keep asyncio from logging it
            raise

    async def _send_all(self) -> None:
        batch: list[tuple[Document, asyncio.Future[None]]] = []
        try:
            while self._waiting:
                batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
                try:
                    await self._collection.insert_many([doc for doc, _ in batch], ordered=False)
                except BulkWriteError as error:
                    _settle(batch, error)
                except Exception as error:  # the whole command failed: each insert fails with it
                    for _, future in batch:
                        _fail(future, error)
                else:
                    for _, future in batch:
                        _succeed(future)
        finally:  # settled already, unless cancelled (the loop is closing): nobody may wait forever
            for _, future in [*batch, *self._waiting]:
                future.cancel()


def _settle(batch: list[tuple[Document, asyncio.Future[None]]], error: BulkWriteError) -> None:
    """Each insert's own outcome: the per-document errors by index, success for the rest."""
    failed = {int(entry["index"]): entry for entry in error.details.get("writeErrors") or ()}
    for index, (_, future) in enumerate(batch):
        entry = failed.get(index)
        if entry is None:
            _succeed(future)
            continue
        code, message = entry.get("code"), str(entry.get("errmsg", "insert failed"))
        failure = (
            DuplicateKeyError(message, code, entry)
            if code == DUPLICATE_KEY
            else OperationFailure(message, code, entry)
        )
        _fail(future, failure)


def _succeed(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def _fail(future: asyncio.Future[None], error: BaseException) -> None:
    if not future.done():
        future.set_exception(error)


def _outcome_seen(future: asyncio.Future[None]) -> None:
    if not future.cancelled():
        future.exception()
