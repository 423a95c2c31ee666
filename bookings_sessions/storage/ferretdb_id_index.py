"""Makes the embedded FerretDB's lookups by `_id` index lookups: an SQLite index, on each collection of
the embedded store's files, on the very expression FerretDB's `_id` queries use (its own `_id_` index is
on another); at start and then for each collection FerretDB creates later, on its first write. Only for
the embedded store; a FerretDB at MONGODB_URI is left as it is. Why: docs/design.md §9, "Costs"; what it
gives: docs/performance.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Final

log = logging.getLogger(__name__)

# FerretDB's own SQLite indexes are named `<table>_<index name>`; MongoDB index names cannot hold `$`.
SUFFIX: Final = "_$id_lookup"
# As FerretDB's own connections: wait for its write lock rather than fail.
BUSY_TIMEOUT_SECONDS: Final = 10.0
# A collection created after the start (the change marks, hints, schedule leases: on their first write) is
# indexed within this long; until then its few documents are scanned.
RECHECK_SECONDS: Final = 5.0


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


class IdLookupIndexer:
    """Runs `index_new` (the store's `index_id_lookups`) off the event loop: once at start, then every
    `every` seconds for the collections FerretDB has created since."""

    def __init__(self, index_new: Callable[[], int], every: float = RECHECK_SECONDS) -> None:
        self._index_new = index_new
        self.every = every

    async def index_new(self) -> int:
        added = await asyncio.to_thread(self._index_new)
        if added:
            log.info("store: %d _id lookup indexes added to the embedded FerretDB", added)
        return added

    async def run(self) -> None:
        """Until cancelled. A failure (the files locked for longer than the busy timeout) is logged and
        the next round tries again."""
        while True:
            await asyncio.sleep(self.every)
            try:
                await self.index_new()
            except sqlite3.Error as error:
                log.warning("store: indexing _id lookups failed (%s); trying again", error)
