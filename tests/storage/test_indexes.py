"""Every query shape the store issues has an index that serves it (equality, sort, range order)."""

from __future__ import annotations

from datetime import UTC, datetime

from bookings_sessions.domain.listing import Window
from bookings_sessions.storage.blocking_reads import Branch, first_branches, second_branches
from bookings_sessions.storage.store import INDEXES, QUERY_SHAPES, SessionStore

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


async def test_indexes_exist_on_the_server(store: SessionStore) -> None:
    await store.ensure_indexes()
    found = [tuple(spec["key"]) for spec in (await store.sessions.index_information()).values()]
    for index in INDEXES:
        assert tuple((name, direction) for name, direction in index) in found


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
