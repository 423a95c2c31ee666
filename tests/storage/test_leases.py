"""Leases serialise writers across processes: only the insert of a unique `_id` decides."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bookings_sessions.storage.clock import utc_now
from bookings_sessions.storage.leases import SCHEDULES, SERIES, Leases
from bookings_sessions.storage.store import SessionStore


async def test_lease_holders_never_overlap_without_the_process_lock(store: SessionStore) -> None:
    # `lease` alone is what another process meets: no asyncio lock of this process in between.
    leases = Leases(store.db, SCHEDULES)
    inside = 0
    most = 0
    entered = 0

    async def hold() -> None:
        nonlocal inside, most, entered
        async with leases.lease("coach-bob"):
            inside += 1
            entered += 1
            most = max(most, inside)
            await asyncio.sleep(0.005)
            inside -= 1

    await asyncio.gather(*(hold() for _ in range(10)))
    assert (entered, most) == (10, 1)
    assert await leases.leases.count_documents({}) == 0


async def test_an_expired_lease_is_taken_over_and_a_live_one_is_not(store: SessionStore) -> None:
    leases = Leases(store.db, SCHEDULES)
    await leases.leases.insert_one(
        {"_id": "room-1", "owner": "dead", "until": utc_now() - timedelta(seconds=1)}
    )
    async with leases.lease("room-1"):
        held = await leases.leases.find_one({"_id": "room-1"})
        assert held is not None and held["owner"] != "dead"
    await leases.leases.insert_one(
        {"_id": "room-2", "owner": "alive", "until": utc_now() + timedelta(seconds=30)}
    )
    waiting = asyncio.ensure_future(leases._claim("room-2", "me"))
    await asyncio.sleep(0.2)
    assert not waiting.done()
    await leases.leases.delete_one({"_id": "room-2", "owner": "alive"})
    await asyncio.wait_for(waiting, 5)
    assert (await leases.leases.find_one({"_id": "room-2"}) or {}).get("owner") == "me"


async def test_a_schedule_and_a_series_with_one_id_hold_separate_leases(store: SessionStore) -> None:
    async with (
        Leases(store.db, SCHEDULES).held(["shared-id"]),
        asyncio.timeout(2),
        Leases(store.db, SERIES).held(["shared-id"]),
    ):
        assert await store.db[SERIES.collection].count_documents({"_id": "shared-id"}) == 1
    assert await store.db[SCHEDULES.collection].count_documents({}) == 0
