"""Fixtures every test package may use: the real FerretDB (one server per run, a fresh database per test),
tokens, the app's settings, the app itself (`api`) and a live server process.

Plain helpers (query documents, input builders, the `Api` client type) are in tests/support/.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from bookings_sessions.fast import store_parts
from bookings_sessions.settings import Settings
from bookings_sessions.storage.client import close_client, create_client
from bookings_sessions.storage.ferretdb import EmbeddedFerretDB
from bookings_sessions.storage.store import SessionStore
from tests.support.api import Api, SettingsFor, app_settings, serving
from tests.support.commands import SessionReads, session_reads_in
from tests.support.live_server import LiveServer, drop_database, start_server, stop_server
from tests.support.tokens import Tokens


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
    """A store with the parts the app gives it (FAST_PATHS=on: storage/parts.py)."""
    client: Any = create_client(ferretdb.uri, driver)  # type: ignore[arg-type]
    store = SessionStore(client, database_name, parts=store_parts())
    await store.ensure_indexes()
    try:
        yield store
    finally:
        await client.drop_database(database_name)
        await close_client(client)


@pytest.fixture(scope="session")
def tokens() -> Tokens:
    """`tokens.admin`, `.staff`, `.service`, or `tokens.make(*roles, ttl=..., secret=...)`."""
    return Tokens()


@pytest.fixture
def settings_for(
    ferretdb: EmbeddedFerretDB, database_name: str, tmp_path: Path, tokens: Tokens
) -> SettingsFor:
    """Settings for an app on this test's database, in UTC; `settings_for(business_time_zone=...)`."""

    def settings(**overrides: Any) -> Settings:
        return app_settings(ferretdb.uri, database_name, tmp_path, tokens, **overrides)

    return settings


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """What the `api` fixture's app sets differently; override this fixture in a module or class."""
    return {}


@pytest.fixture
async def api(
    settings_for: SettingsFor, settings_overrides: dict[str, Any], tokens: Tokens, database_name: str
) -> AsyncIterator[Api]:
    """The real ASGI app on this test's database, started, with an httpx client."""
    async with serving(settings_for(**settings_overrides), tokens) as running:
        yield running
        await running.app.state.runtime.client.drop_database(database_name)


@pytest.fixture(scope="session")
def live_server(
    ferretdb: EmbeddedFerretDB, tmp_path_factory: pytest.TempPathFactory, tokens: Tokens
) -> Iterator[LiveServer]:
    """A `bookings-sessions serve` process on a free loopback port, shared by the whole run."""
    server = start_server(ferretdb.uri, tmp_path_factory.mktemp("live-server"), tokens)
    try:
        yield server
    finally:
        stop_server(server)
        drop_database(server)


@pytest.fixture
def session_reads(database_name: str) -> Iterator[SessionReads]:
    """The reads of `sessions` requests make on this test's database (round-trip counts)."""
    with session_reads_in(database_name) as reads:
        yield reads
