"""Every command a driver client sends, for tests that count round trips or read a write's filter."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

from pymongo import AsyncMongoClient, monitoring

from bookings_sessions.fast import store_parts
from bookings_sessions.storage.capabilities import FERRETDB, MONGODB
from bookings_sessions.storage.store import SessionStore


class StartedCommands(monitoring.CommandListener):
    """A listener that looks at commands only as they start (pymongo asks for all three hooks)."""

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


class CommandLog(StartedCommands):
    """`sent`: each command as "<name> <collection>"; `write_filters`: the filters of writes to `sessions`."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.write_filters: list[dict[str, Any]] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        command = event.command
        self.sent.append(f"{event.command_name} {command.get(event.command_name)}")
        if event.command_name == "update" and command.get("update") == "sessions":
            self.write_filters += [update["q"] for update in command["updates"]]
        if event.command_name == "findAndModify" and command.get("findAndModify") == "sessions":
            self.write_filters.append(command["query"])


@asynccontextmanager
async def watched_store(
    uri: str, database: str, *, atomic: bool
) -> AsyncIterator[tuple[SessionStore, CommandLog]]:
    """A store on its own client, as if on MongoDB (`atomic`) or FerretDB, with its commands logged and
    the parts the app gives it (FAST_PATHS=on); the database is dropped afterwards."""
    log = CommandLog()
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(uri, tz_aware=True, event_listeners=[log])
    try:
        capabilities = MONGODB if atomic else FERRETDB
        yield SessionStore(client, database, capabilities=capabilities, parts=store_parts()), log
    finally:
        await client.drop_database(database)
        await client.close()


# The server's background movers read sessions for their pending entries (outbox, change log, pending
# splits): those reads are not a request's.
MOVER_FIELDS = ("outbox", "changeLog", "pending")


class SessionReads(StartedCommands):
    """The reads of `sessions` a request makes on one database, the background movers' left out. pymongo
    offers no way to unregister a listener, so one is registered for the whole run and switched."""

    def __init__(self) -> None:
        self.database: str | None = None
        self.reads: list[dict[str, Any]] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        command = event.command
        if event.database_name != self.database or command.get(event.command_name) != "sessions":
            return
        if event.command_name not in ("find", "distinct", "aggregate", "count"):
            return
        projection = command.get("projection") or {}
        query = str(command.get("filter") or command.get("query") or {})
        if not any(projection.get(field) == 1 or field in query for field in MOVER_FIELDS):
            self.reads.append(dict(command))


_SESSION_READS = SessionReads()
# Registered on import, so before any test's app creates its client: clients made later report to it.
monitoring.register(_SESSION_READS)


@contextmanager
def session_reads_in(database: str) -> Iterator[SessionReads]:
    """The requests' reads of `sessions` on `database` while the block runs."""
    _SESSION_READS.database, _SESSION_READS.reads = database, []
    try:
        yield _SESSION_READS
    finally:
        _SESSION_READS.database = None
