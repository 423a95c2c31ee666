"""Schedule leases: one double-booking-refusing write at a time per schedule, across processes.

A write that refuses double bookings must check the schedule's busy time and write with no other such
write in between, also in another server process. An update of one document cannot be that point on
FerretDB 1.24 (it is not applied atomically), but the insert of a given `_id` succeeds once on FerretDB
as on MongoDB: a lease is the document `_id: <schedule id>` in `schedule_leases`, with its owner's random
token and an expiry. Held leases are deleted by their owner (by `_id` and token); one whose owner died is
deleted by the next writer once expired. Inside one process an asyncio lock per schedule queues writers
first, so they do not poll each other's lease (docs/design.md §4, double bookings).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import uuid
from collections.abc import AsyncIterator, Iterable
from datetime import datetime, timedelta
from typing import Any

from ..domain.errors import Conflict, Unavailable
from ..domain.timezones import as_utc
from .clock import utc_now
from .store import database_errors
from .write_lock import KeyedLocks

COLLECTION = "schedule_leases"
# Longer than any check-and-write takes; a lease left by a process that died frees itself after this.
LEASE = timedelta(seconds=10)
# How long a writer waits for another process's lease before it answers UNAVAILABLE.
WAIT = timedelta(seconds=15)

# Writers of this process queue here before the lease, so they do not poll one another.
_lock = KeyedLocks()


class ScheduleLeases:
    def __init__(self, db: Any) -> None:
        self.leases = db[COLLECTION]

    @contextlib.asynccontextmanager
    async def held(self, schedule_ids: Iterable[str]) -> AsyncIterator[None]:
        """Holds every schedule's lock, then its lease, in one order (no two writers wait on each other)."""
        ordered = sorted(set(schedule_ids))
        async with contextlib.AsyncExitStack() as stack:
            for schedule_id in ordered:
                await stack.enter_async_context(_lock(schedule_id))
            for schedule_id in ordered:
                await stack.enter_async_context(self.lease(schedule_id))
            yield

    @contextlib.asynccontextmanager
    async def lease(self, schedule_id: str) -> AsyncIterator[None]:
        """The schedule's lease across processes (without this process's lock: `held` takes both)."""
        token = uuid.uuid4().hex
        await self._claim(schedule_id, token)
        try:
            yield
        finally:
            with database_errors():
                await self.leases.delete_one({"_id": schedule_id, "owner": token})

    async def _claim(self, schedule_id: str, token: str) -> None:
        started = utc_now()
        attempt = 0
        while True:
            now = utc_now()
            try:
                with database_errors():
                    await self.leases.insert_one({"_id": schedule_id, "owner": token, "until": now + LEASE})
                return
            except Conflict:  # the duplicate `_id`: someone holds it
                pass
            with database_errors():
                held = await self.leases.find_one({"_id": schedule_id})
            if held is not None and _expired(held, now):
                with database_errors():
                    await self.leases.delete_one({"_id": schedule_id, "owner": held.get("owner")})
                continue
            if now - started > WAIT:
                raise Unavailable(f"schedule {schedule_id!r} is being written elsewhere; try again shortly")
            attempt += 1
            await asyncio.sleep(random.uniform(0, 0.002 * 2 ** min(attempt, 6)))


def _expired(doc: dict[str, Any], now: datetime) -> bool:
    until = doc.get("until")
    return not isinstance(until, datetime) or as_utc(until) <= now
