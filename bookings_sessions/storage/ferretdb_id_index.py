"""Makes the embedded FerretDB's lookups by `_id` index lookups: an SQLite index, on each collection of
the embedded store's files, on the very expression FerretDB's `_id` queries use (its own `_id_` index is
on another). Only for the embedded store; a FerretDB at MONGODB_URI is left as it is. Why:
docs/design.md §9, "Costs"; what it gives: docs/performance.md.
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
