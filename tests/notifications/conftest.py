"""The dispatcher tests' fixture: a fresh database on the real FerretDB.

Their helpers (`Db`, `config`, `running`, `eventually`) are in tests/support/dispatching.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bookings_sessions.storage.client import create_client
from bookings_sessions.storage.ferretdb import EmbeddedFerretDB
from bookings_sessions.storage.outbox import OutboxStore
from bookings_sessions.storage.store import SessionStore
from tests.support.dispatching import Db


@pytest.fixture
async def db(ferretdb: EmbeddedFerretDB, database_name: str) -> AsyncIterator[Db]:
    client: Any = create_client(ferretdb.uri, "motor")
    sessions = SessionStore(client, database_name)
    outbox = OutboxStore(client[database_name])
    await sessions.ensure_indexes()
    await outbox.ensure_indexes(await sessions.capabilities())
    try:
        yield Db(ferretdb=ferretdb, name=database_name, sessions=sessions, outbox=outbox)
    finally:
        await client.drop_database(database_name)
        client.close()
