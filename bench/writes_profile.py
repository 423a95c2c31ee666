"""`python -m bench.writes_profile`: CPU and store round trips per write, in process, on the embedded store.

Starts the app (its lifespan: sequencer, dispatcher, live feed) against a fresh embedded FerretDB,
seeds `POOL` sessions, then sends the bench's write rows (`createSession`, `updateSession` of `notes`)
straight through the ASGI app from `CONNECTIONS` concurrent callers. The clock (process CPU, and the
FerretDB process's CPU) stops only once the background work the writes caused has drained, so it is
counted too. `--profile` writes a cProfile of each row to the working directory.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import secrets
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from pymongo import monitoring

from bookings_sessions.app import create_app
from bookings_sessions.settings import Settings
from bookings_sessions.storage.ferretdb import EmbeddedFerretDB

from . import scenarios

POOL = scenarios.POOL
CONNECTIONS = 16
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class Commands(monitoring.CommandListener):
    """Every command the app's clients send, by name and collection."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.micros: Counter[str] = Counter()
        self._names: dict[int, str] = {}

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        target = event.command.get(event.command_name)
        name = f"{event.command_name} {target if isinstance(target, str) else ''}".strip()
        self.counts[name] += 1
        self._names[event.request_id] = name

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        self.micros[self._names.pop(event.request_id, "?")] += event.duration_micros

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


def cpu_of(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


async def call(app: Any, body: bytes, token: str) -> dict[str, Any]:
    """One POST /graphql through the ASGI app, without an HTTP client's own cost."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"bench"),
            (b"content-type", b"application/json"),
            (b"authorization", f"Bearer {token}".encode()),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    sent = False
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    answer: dict[str, Any] = json.loads(b"".join(chunks))
    if answer.get("errors"):
        raise RuntimeError(answer["errors"])
    return answer


async def drained(app: Any) -> None:
    """Until no hint waits (stored or handed over in memory) and the sequencer's committed mark has
    stopped moving for a few of its polls: the background work the writes caused is done."""
    store = app.state.runtime.services.store
    db = store.db
    deadline = time.monotonic() + 60
    last = None
    while time.monotonic() < deadline:
        await asyncio.sleep(0.3)
        if store.handoff.waiting or await db["dirty_sessions"].find_one({}):
            last = None
            continue
        if await db["dirty_outboxes"].find_one({}):
            last = None
            continue
        committed = await db["change_sequencer"].find_one({"_id": "committed"})
        if committed is not None and committed == last:
            return
        last = committed
    hint = await db["dirty_sessions"].find_one({})
    raise RuntimeError(f"not drained within 60 s: handoff {store.handoff.waiting}, hint {hint}, mark {last}")


async def row(
    name: str, app: Any, bodies: list[bytes], token: str, ferretdb_pid: int, commands: Commands, profile: bool
) -> dict[str, Any]:
    queue = list(reversed(bodies))

    async def worker() -> None:
        while queue:
            await call(app, queue.pop(), token)

    await drained(app)
    commands.counts.clear()
    commands.micros.clear()
    profiler = cProfile.Profile() if profile else None
    wall, cpu, store_cpu = time.perf_counter(), time.process_time(), cpu_of(ferretdb_pid)
    if profiler:
        profiler.enable()
    await asyncio.gather(*(worker() for _ in range(CONNECTIONS)))
    requests_done = time.perf_counter()
    await drained(app)
    if profiler:
        profiler.disable()
        profiler.dump_stats(f"{name}.prof")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    count = len(bodies)
    return {
        "row": name,
        "cpu_us": round((time.process_time() - cpu) * 1e6 / count),
        "store_cpu_us": round((cpu_of(ferretdb_pid) - store_cpu) * 1e6 / count),
        "req_per_s": round(count / (requests_done - wall)),
        "round_trips": round(sum(commands.counts.values()) / count, 2),
        "by_command": {
            key: (round(value / count, 2), round(commands.micros[key] / value))
            for key, value in commands.counts.most_common()
        },
    }


async def main(requests_per_row: int, profile: bool, rounds: int) -> None:
    commands = Commands()
    monitoring.register(commands)
    secret = secrets.token_urlsafe(32)
    admin = scenarios.token(secret, "BOOKINGS_ADMIN")
    with tempfile.TemporaryDirectory() as tmp, EmbeddedFerretDB(Path(tmp) / "ferretdb") as ferretdb:
        settings = Settings(
            mongodb_uri=ferretdb.uri,
            mongodb_database="bench",
            jwt_secret=secret,
            data_dir=Path(tmp) / "data",
            business_time_zone="UTC",
            log_level="WARNING",
        )
        ferretdb_pid = ferretdb.pid or 0
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            ids = []
            for index in range(POOL):
                info = scenarios._single_info(index)
                seed = json.dumps({"query": scenarios.CREATE, "variables": {"info": info}})
                ids.append((await call(app, seed.encode(), admin))["data"]["createSession"]["_id"])
            # As `serve` does for its embedded store (storage/ferretdb_id_index.py); the app, given a URI,
            # leaves the store as it is.
            ferretdb.index_id_lookups()
            create = scenarios.create_body().encode()
            notes = scenarios.notes_update_body()
            results = []
            for number in range(rounds):
                creates = [create] * requests_per_row
                results.append(await row("create", app, creates, admin, ferretdb_pid, commands, profile))
                tag = f"{secrets.token_hex(3)}r{number}"
                updates = [
                    notes.replace("__ID__", ids[index % POOL]).replace("__N__", f"{tag}-{index}").encode()
                    for index in range(requests_per_row)
                ]
                results.append(await row("notes", app, updates, admin, ferretdb_pid, commands, profile))
            for result in results:
                print(json.dumps(result))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--profile", action="store_true")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.requests, arguments.profile, arguments.rounds))
