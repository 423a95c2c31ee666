"""FERRETDB_WRITES_AT_ONCE: at most that many writes on their way at a time, and none held back at 0."""

from __future__ import annotations

import asyncio

from bookings_sessions.storage.write_slots import WriteSlots


async def most_at_once(slots: WriteSlots, writers: int) -> int:
    inside, most = 0, 0

    async def write() -> None:
        nonlocal inside, most
        async with slots.held():
            inside += 1
            most = max(most, inside)
            await asyncio.sleep(0.01)
            inside -= 1

    await asyncio.gather(*(write() for _ in range(writers)))
    return most


async def test_writes_beyond_the_slots_wait_their_turn() -> None:
    assert await most_at_once(WriteSlots(3), writers=16) == 3


async def test_no_limit_at_zero() -> None:
    assert await most_at_once(WriteSlots(0), writers=16) == 16
