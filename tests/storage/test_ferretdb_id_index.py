"""The embedded FerretDB's lookups by `_id` use an index, and everything by `_id` still works."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from pathlib import Path

from pymongo import MongoClient

from bookings_sessions.storage.ferretdb import EmbeddedFerretDB
from bookings_sessions.storage.ferretdb_id_index import IdLookupIndexer

# FerretDB 1.24's own query for a bare `_id` filter (internal/backends/sqlite, metadata.IDColumn).
FERRETDB_ID_QUERY = "SELECT _ferretdb_sjson FROM {table} WHERE _ferretdb_sjson->'$._id' = ?"


def _plan(database: Path, collection: str) -> str:
    with contextlib.closing(sqlite3.connect(database)) as connection:
        [table] = connection.execute(
            "SELECT table_name FROM _ferretdb_collections WHERE name = ?", (collection,)
        ).fetchone()
        query = "EXPLAIN QUERY PLAN " + FERRETDB_ID_QUERY.format(table=f'"{table}"')
        return " ".join(str(row[-1]) for row in connection.execute(query, ('"x"',)))


def test_id_lookups_are_index_lookups_and_reads_and_writes_by_id_still_work(tmp_path: Path) -> None:
    with EmbeddedFerretDB(tmp_path / "db") as database:
        client: MongoClient[dict[str, object]] = MongoClient(database.uri)
        try:
            sessions = client["shop"]["sessions"]
            sessions.insert_many([{"_id": f"s{index}", "n": index} for index in range(50)])
            sqlite_file = tmp_path / "db" / "sqlite" / "shop.sqlite"
            assert _plan(sqlite_file, "sessions").startswith("SCAN")  # FerretDB's own index is not used

            assert database.index_id_lookups() == 1
            assert database.index_id_lookups() == 0  # once

            assert "USING INDEX" in _plan(sqlite_file, "sessions")
            assert sessions.find_one({"_id": "s7"}) == {"_id": "s7", "n": 7}
            assert sessions.find_one_and_update(
                {"_id": "s8"}, {"$inc": {"n": 100}}, return_document=True
            ) == {
                "_id": "s8",
                "n": 108,
            }
            sessions.insert_one({"_id": "s50", "n": 50})
            assert sessions.delete_one({"_id": "s9"}).deleted_count == 1
            assert sessions.find_one({"_id": "s9"}) is None
            assert sessions.find_one({"_id": "s50"}) == {"_id": "s50", "n": 50}
            assert sessions.count_documents({}) == 50
            assert sorted(index["name"] for index in sessions.list_indexes()) == ["_id_"]  # FerretDB's own
            client["shop"].drop_collection("sessions")
            client["shop"]["sessions"].insert_one({"_id": "again"})  # a new table: indexed on the next call
            assert database.index_id_lookups() == 1
        finally:
            client.close()


async def test_a_collection_created_after_the_start_is_indexed_soon_after(tmp_path: Path) -> None:
    """FerretDB creates a collection on its first write; the change marks' came after the server's start
    and every mark stored then scanned them all (one per session ever written)."""
    with EmbeddedFerretDB(tmp_path / "db") as database:
        client: MongoClient[dict[str, object]] = MongoClient(database.uri)
        indexer = IdLookupIndexer(database.index_id_lookups, every=0.05)
        try:
            client["shop"]["sessions"].insert_one({"_id": "s1"})
            assert await indexer.index_new() == 1  # at start
            running = asyncio.create_task(indexer.run())
            await asyncio.to_thread(client["shop"]["change_marks"].insert_one, {"_id": "s1", "revision": 1})
            sqlite_file = tmp_path / "db" / "sqlite" / "shop.sqlite"
            deadline = time.monotonic() + 5
            while "USING INDEX" not in _plan(sqlite_file, "change_marks"):
                assert time.monotonic() < deadline, "a collection created later was never indexed"
                await asyncio.sleep(0.05)
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await running
        finally:
            client.close()
