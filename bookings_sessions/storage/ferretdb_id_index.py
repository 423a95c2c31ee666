"""Makes the embedded FerretDB's lookups by `_id` index lookups.

FerretDB 1.24 (SQLite) pushes a bare `_id` filter down as `WHERE _ferretdb_sjson->'$._id' = ?`, but the
`_id_` index it creates is on `_ferretdb_sjson->"_id"`: a different expression, so SQLite scans the whole
table for every read, update and delete by `_id` (`EXPLAIN QUERY PLAN` says `SCAN`), and each of them costs
in proportion to the collection (docs/performance.md). This adds, to every collection of the embedded
store's SQLite files, an index on the very expression the query uses. FerretDB keeps its indexes in its
own metadata and never sees this one; SQLite maintains it on every write, uses it for those queries, and
drops it with its table.

Only for the embedded store, whose files this process owns: a FerretDB found at MONGODB_URI is left as it
is (a MongoDB has a real `_id` index).
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path
from typing import Final

# FerretDB's own SQLite indexes are named `<table>_<index name>`; MongoDB index names cannot hold `$`.
SUFFIX: Final = "_$id_lookup"
# As FerretDB's own connections: wait for its write lock rather than fail.
BUSY_TIMEOUT_SECONDS: Final = 10.0


def index_id_lookups(sqlite_dir: Path) -> int:
    """Adds the missing `_id` lookup indexes to every database file in `sqlite_dir`; returns how many."""
    added = 0
    for database in sorted(sqlite_dir.glob("*.sqlite")):
        with contextlib.closing(sqlite3.connect(database, timeout=BUSY_TIMEOUT_SECONDS)) as connection:
            tables = [row[0] for row in connection.execute("SELECT table_name FROM _ferretdb_collections")]
            existing = {
                row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
            }
            for table in tables:
                name = table + SUFFIX
                if name in existing:
                    continue
                with connection:
                    connection.execute(
                        f"CREATE INDEX IF NOT EXISTS {_quoted(name)} ON {_quoted(table)} "
                        "(_ferretdb_sjson->'$._id')"
                    )
                added += 1
    return added


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'
