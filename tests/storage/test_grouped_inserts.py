"""Sessions created at the same moment share one insert; each still succeeds or fails on its own."""

from __future__ import annotations

import asyncio

import pytest

from bookings_sessions.domain.errors import Conflict
from bookings_sessions.storage.ferretdb import EmbeddedFerretDB
from tests.support.commands import watched_store
from tests.support.domain import make_session


@pytest.mark.parametrize("atomic", [True, False], ids=["mongodb", "ferretdb"])
async def test_concurrent_creates_share_inserts_and_a_duplicate_fails_alone(
    ferretdb: EmbeddedFerretDB, database_name: str, atomic: bool
) -> None:
    async with watched_store(ferretdb.uri, database_name, atomic=atomic) as (store, commands):
        await store.insert(make_session("taken"))
        commands.sent.clear()
        sessions = [make_session(f"s{number}") for number in range(20)]

        outcomes = await asyncio.gather(
            *(store.insert(session) for session in [*sessions, make_session("taken")]),
            return_exceptions=True,
        )

        assert outcomes[:-1] == [None] * len(sessions)
        assert isinstance(outcomes[-1], Conflict)
        inserts = [command for command in commands.sent if command == "insert sessions"]
        assert 1 <= len(inserts) < len(sessions) / 2
        for session in sessions:
            assert await store.load(session.id) == session


async def test_a_caller_that_gives_up_leaves_the_others_batch_alone(
    ferretdb: EmbeddedFerretDB, database_name: str
) -> None:
    async with watched_store(ferretdb.uri, database_name, atomic=False) as (store, _):
        first = asyncio.create_task(store.insert(make_session("first")))
        second = asyncio.create_task(store.insert(make_session("second")))
        await asyncio.sleep(0)
        first.cancel()

        await second
        with pytest.raises(asyncio.CancelledError):
            await first
        assert await store.load("second") is not None
