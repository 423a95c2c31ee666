"""Shared fixtures: one real FerretDB server per test run, a fresh database per test."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from bookings_sessions.storage.client import close_client, create_client
from bookings_sessions.storage.ferretdb import EmbeddedFerretDB
from bookings_sessions.storage.store import SessionStore


@pytest.fixture(scope="session")
def ferretdb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedFerretDB]:
    with EmbeddedFerretDB(Path(tmp_path_factory.mktemp("ferretdb"))) as server:
        yield server


@pytest.fixture
def database_name() -> str:
    return f"test_{uuid.uuid4().hex[:12]}"


@pytest.fixture(params=["motor", "pymongo"])
def driver(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def store(ferretdb: EmbeddedFerretDB, database_name: str, driver: str) -> AsyncIterator[SessionStore]:
    client: Any = create_client(ferretdb.uri, driver)  # type: ignore[arg-type]
    store = SessionStore(client, database_name)
    await store.ensure_indexes()
    try:
        yield store
    finally:
        await client.drop_database(database_name)
        await close_client(client)
