"""Every query shape the store issues has an index that serves it (equality, sort, range order)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bookings_sessions.domain.listing import Window
from bookings_sessions.storage.blocking_reads import Branch, first_branches, second_branches
from bookings_sessions.storage.calendar_feeds import CalendarFeeds
from bookings_sessions.storage.capabilities import FERRETDB, MONGODB, StoreCapabilities
from bookings_sessions.storage.change_deliveries import ChangeDeliveryStore
from bookings_sessions.storage.change_log import ChangeLogStore
from bookings_sessions.storage.ferretdb import EmbeddedFerretDB
from bookings_sessions.storage.idempotency import IdempotencyKeys
from bookings_sessions.storage.outbox import OutboxStore
from bookings_sessions.storage.store import INDEXES, QUERY_SHAPES, SessionStore
from tests.support.commands import watched_store

RANGES = {"$lt", "$lte", "$gt", "$gte", "$ne"}


def serves(
    index: tuple[str, ...], equality: tuple[str, ...], sort: tuple[str, ...], ranges: tuple[str, ...]
) -> bool:
    """ESR: the index starts with the equality fields (any order), then the sort keys in order, and
    the range fields come right after (a range on the first sort key is served by the sort itself)."""
    head = index[: len(equality)]
    if set(head) != set(equality):
        return False
    rest = index[len(equality) :]
    if tuple(rest[: len(sort)]) != sort:
        return False
    leftover = [field for field in ranges if field not in sort[:1]]
    return tuple(rest[len(sort) : len(sort) + len(leftover)]) == tuple(leftover)


def test_every_query_shape_has_an_index() -> None:
    keys = [tuple(name for name, _ in index) for index in INDEXES] + [("_id",)]  # MongoDB's own
    for shape, (equality, sort, ranges) in QUERY_SHAPES.items():
        assert any(serves(index, equality, sort, ranges) for index in keys), shape


def test_serves_rejects_wrong_orders() -> None:
    assert not serves(("start.utc", "kind"), ("kind",), ("start.utc",), ())
    assert not serves(("kind", "_id", "start.utc"), ("kind",), ("start.utc", "_id"), ())
    assert serves(("kind", "start.utc", "_id"), ("kind",), ("start.utc", "_id"), ("start.utc",))


async def ensure_every_index(store: SessionStore, capabilities: StoreCapabilities) -> None:
    """What the server creates at start (app.py, the sequencer, the dispatcher, change webhooks)."""
    await store.ensure_indexes()
    await OutboxStore(store.db).ensure_indexes(capabilities)
    await ChangeLogStore(store.db).ensure_indexes(timedelta(days=30), capabilities)
    await ChangeDeliveryStore(store.db).ensure_delivery_indexes(capabilities)
    await IdempotencyKeys(store.db).ensure_indexes(capabilities)
    await CalendarFeeds(store.db).ensure_indexes()


async def index_keys(collection: Any, *, unique: bool | None = None) -> list[tuple[tuple[str, int], ...]]:
    """The key of each index of `collection` (`unique`: only those that are, or are not)."""
    specs = (await collection.index_information()).values()
    keys = [tuple(spec["key"]) for spec in specs if unique is None or bool(spec.get("unique")) == unique]
    return [tuple((name, int(direction)) for name, direction in key) for key in keys]


async def test_indexes_exist_on_the_server(ferretdb: EmbeddedFerretDB, database_name: str) -> None:
    """On MongoDB every index is created (the FerretDB under the tests answers as one would)."""
    async with watched_store(ferretdb.uri, database_name, atomic=True) as (store, _):
        await ensure_every_index(store, MONGODB)
        found = await index_keys(store.sessions)
        for index in INDEXES:
            assert index in found
        assert (("outbox.id", 1),) in found
        assert (("scheduleId", 1), ("_id", 1)) in await index_keys(store.db["changes"])
        assert (("createdDate", -1), ("_id", -1)) in await index_keys(store.db["notifications"])
        assert (("createdAt", 1),) in await index_keys(store.db["idempotency_keys"])


@pytest.mark.parametrize("atomic", [True, False], ids=["mongodb", "ferretdb"])
async def test_ensuring_the_indexes_again_changes_nothing(
    ferretdb: EmbeddedFerretDB, database_name: str, atomic: bool
) -> None:
    """Every server start ensures them."""
    async with watched_store(ferretdb.uri, database_name, atomic=atomic) as (store, _):
        capabilities = await store.capabilities()
        await ensure_every_index(store, capabilities)
        before = await index_keys(store.sessions)
        await ensure_every_index(store, capabilities)
        assert await index_keys(store.sessions) == before


async def test_on_ferretdb_only_unique_indexes_are_created(
    ferretdb: EmbeddedFerretDB, database_name: str
) -> None:
    """FerretDB 1.24 pushes only a bare `_id` filter down to SQLite: a secondary index serves no read
    there and slows every write. The unique ones stay: they refuse duplicates."""
    async with watched_store(ferretdb.uri, database_name, atomic=False) as (store, _):
        await ensure_every_index(store, FERRETDB)
        for name in ("sessions", "changes", "notifications", "notification_claims", "idempotency_keys"):
            assert await index_keys(store.db[name], unique=False) in ([], [(("_id", 1),)]), name
        assert await index_keys(store.db["changes"], unique=True) == [(("sessionId", 1), ("revision", 1))]
        assert await index_keys(store.db["calendar_feeds"], unique=True) == [(("feedId", 1),)]


async def test_id_lookups_are_pushed_down_to_the_storage_engine(store: SessionStore) -> None:
    await store.sessions.insert_one({"_id": "probe", "kind": "single"})
    plan = await store.sessions.find({"_id": "probe"}).explain()
    # FerretDB reports pushdown; MongoDB reports an IDHACK/EXPRESS plan instead of a collection scan.
    assert plan.get("filterPushdown") is True or "COLLSCAN" not in str(plan.get("queryPlanner"))


def conditions(query: dict[str, object]) -> tuple[set[str], set[str]]:
    """A flat filter's equality fields (a value, or `$in`: one equality per value) and range fields."""
    equality, ranges = set(), set()
    for key, value in query.items():
        assert not key.startswith("$"), f"a branch is planned on its own: no nested {key}"
        operators = set(value) if isinstance(value, dict) else set()
        if not operators or operators == {"$in"}:
            equality.add(key)
        elif operators <= RANGES:
            ranges.add(key)
    return equality, ranges


def test_every_branch_of_the_availability_reads_has_an_indexed_shape() -> None:
    """MongoDB plans each branch of an `$or` on its own index: every branch `find_blocking` sends names
    a shape (indexed by the test above) whose equality and range fields it really filters on."""
    window = Window(start=datetime(2030, 1, 1, tzinfo=UTC), end=datetime(2030, 2, 1, tzinfo=UTC))
    branches: list[Branch] = [
        *first_branches(["coach-a", "coach-b"], window),
        *second_branches(["series-a", "series-b"], ["series-b"], window),
    ]
    assert len({name for name, _ in branches}) == len(branches) == 9
    for name, query in branches:
        equality, sort, ranges = QUERY_SHAPES[name]
        assert not sort, name
        found_equality, found_ranges = conditions(query)
        assert set(equality) <= found_equality, (name, query)
        assert set(ranges) <= found_ranges, (name, query)
