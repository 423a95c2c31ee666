"""Leases: one guarded write at a time per key (a schedule, a series), across processes — the insert of
`_id: <key>` with its owner's token and an expiry; in one process an asyncio lock per key queues writers
first. Why an insert and not an update: docs/design.md §4.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import uuid
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ..domain.errors import Conflict, Unavailable
from ..domain.timezones import as_utc
from .clock import utc_now
from .errors import database_errors
from .write_lock import KeyedLocks


@dataclass(frozen=True)
class LeaseKind:
    collection: str  # one per kind, so a schedule and a series with the same id never share a lease
    noun: str  # what a key names, for the UNAVAILABLE message


SCHEDULES = LeaseKind("schedule_leases", "schedule")  # writes refusing double bookings on a schedule
SERIES = LeaseKind("series_leases", "recurring session")  # writes that may change occurrences' seats
# Longer than any check-and-write takes; a lease left by a process that died frees itself after this.
LEASE = timedelta(seconds=10)
# How long a writer waits for another process's lease before it answers UNAVAILABLE.
WAIT = timedelta(seconds=15)

# Writers of this process queue here (per kind and key) before the lease, so they do not poll one another.
_lock = KeyedLocks()


class Leases:
    def __init__(self, db: Any, kind: LeaseKind) -> None:
        self.kind = kind
        self.leases = db[kind.collection]

    @contextlib.asynccontextmanager
    async def held(self, keys: Iterable[str]) -> AsyncIterator[None]:
        """Holds every key's lock, then its lease, in one order (no two writers wait on each other)."""
        ordered = sorted(set(keys))
        async with contextlib.AsyncExitStack() as stack:
            for key in ordered:
                await stack.enter_async_context(_lock(f"{self.kind.collection}:{key}"))
            for key in ordered:
                await stack.enter_async_context(self.lease(key))
            yield

    @contextlib.asynccontextmanager
    async def lease(self, key: str) -> AsyncIterator[None]:
        """The key's lease across processes (without this process's lock: `held` takes both)."""
        token = uuid.uuid4().hex
        await self._claim(key, token)
        try:
            yield
        finally:
            with database_errors():
                await self.leases.delete_one({"_id": key, "owner": token})

    async def _claim(self, key: str, token: str) -> None:
        started = utc_now()
        attempt = 0
        while True:
            now = utc_now()
            try:
                with database_errors():
                    await self.leases.insert_one({"_id": key, "owner": token, "until": now + LEASE})
                return
            except Conflict:  # the duplicate `_id`: someone holds it
                pass
            with database_errors():
                held = await self.leases.find_one({"_id": key})
            if held is not None and _expired(held, now):
                with database_errors():
                    await self.leases.delete_one({"_id": key, "owner": held.get("owner")})
                continue
            if now - started > WAIT:
                raise Unavailable(f"{self.kind.noun} {key!r} is being written elsewhere; try again shortly")
            attempt += 1
            await asyncio.sleep(random.uniform(0, 0.002 * 2 ** min(attempt, 6)))


def _expired(doc: dict[str, Any], now: datetime) -> bool:
    until = doc.get("until")
    return not isinstance(until, datetime) or as_utc(until) <= now
