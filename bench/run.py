"""`make bench`: FerretDB, the floor app, our server(s) and the Apollo peer as child processes; load from
another process.

Each round starts fresh servers (timing the cold start of ours and the peer's), runs every scenario once at
the same concurrency — each row for our server and the peer back to back, in alternating order from round
to round — then stops them; the report takes medians over rounds. Tunables (env): BENCH_ROUNDS
(3), BENCH_DURATION (5 s per measurement), BENCH_WARMUP (1 s), BENCH_CONNECTIONS (16),
BENCH_GENERATOR=python (the asyncio load generator even when wrk is installed).
"""

from __future__ import annotations

import contextlib
import os
import platform
import secrets
import shutil
import signal
import sqlite3
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from types import FrameType
from typing import Any

from bookings_sessions.storage.ferretdb import EmbeddedFerretDB
from bookings_sessions.storage.ferretdb_id_index import RECHECK_SECONDS

from . import availability, calendar_feed, load, report, scenarios
from .procs import (
    LOOPBACK,
    Child,
    Children,
    cpu_seconds,
    free_port,
    machine_busy_seconds,
    own_cpu_seconds,
    rss_mb,
    wait_idle,
    wait_ready,
)

BIN = Path(sys.executable).parent
BENCH_DIR = Path(__file__).resolve().parent
PEER_DIR = BENCH_DIR / "peers" / "apollo"
DATABASE = "bench"
PEER_PROBE = b'{"query": "{ __typename }"}'
# A read row that answered nothing within BENCH_DURATION runs once more for this long.
SLOW_ROW_SECONDS = 30.0
UVICORN_FLAGS = ["--loop", "uvloop", "--http", "httptools", "--no-access-log", "--log-level", "warning"]


@dataclass(frozen=True)
class Config:
    rounds: int = 3
    duration: float = 5.0
    warmup: float = 1.0
    connections: int = 16
    # BENCH_ONLY=typename,session: only the rows whose key starts with one of these words (typename,
    # session, sessions, update, create, raw, floor), for a quick look at one lever; the report marks
    # the others n/a.
    only: tuple[str, ...] = ()

    def selected(self, key: str) -> bool:
        return not self.only or key.split("_")[0] in self.only

    @classmethod
    def from_env(cls) -> Config:
        return cls(
            rounds=max(1, int(os.environ.get("BENCH_ROUNDS", cls.rounds))),
            duration=max(1.0, float(os.environ.get("BENCH_DURATION", cls.duration))),
            warmup=max(0.0, float(os.environ.get("BENCH_WARMUP", cls.warmup))),
            connections=max(1, int(os.environ.get("BENCH_CONNECTIONS", cls.connections))),
            only=tuple(word for word in os.environ.get("BENCH_ONLY", "").split(",") if word),
        )


@dataclass(frozen=True)
class Spent:
    """CPU seconds so far, of the server measured and of the store."""

    server: float
    store: float

    def __sub__(self, before: Spent) -> Spent:
        return Spent(self.server - before.server, self.store - before.store)


@dataclass
class Bench:
    config: Config
    uri: str
    tmp: Path
    children: Children
    secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    singles: list[str] = field(default_factory=list)
    series: list[str] = field(default_factory=list)
    series_reason: str = ""
    samples: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    failures: dict[str, str] = field(default_factory=dict)
    # Read rows whose answers differ between our server and the peer (they must not: same data).
    mismatches: dict[str, str] = field(default_factory=dict)
    peer_reason: str = ""
    # What `serve` does for its embedded store once the collections exist (storage/ferretdb_id_index.py);
    # the bench's FerretDB is started here, so it is done here, for both servers alike.
    on_seeded: Callable[[], object] | None = None
    # The embedded FerretDB's process: its CPU per request is what a row costs the store, which shares
    # the machine's cores with both servers and the load generator.
    store_pid: int | None = None

    def __post_init__(self) -> None:
        self.admin = scenarios.token(self.secret, "BOOKINGS_ADMIN")
        self.staff = scenarios.token(self.secret, "BOOKINGS_STAFF")
        self.singles_file = self.tmp / "singles.txt"
        self.series_file = self.tmp / "series.txt"
        self.revisions = scenarios.Revisions(self.uri, DATABASE)

    # -- processes ---------------------------------------------------------------------------------
    def _server_env(self, driver: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("JWT_", "MONGODB_"))}
        env.update(
            MONGODB_URI=self.uri,
            MONGODB_DATABASE=DATABASE,
            MONGODB_DRIVER=driver,
            JWT_SECRET=self.secret,
            LOG_LEVEL="WARNING",
            DATA_DIR=str(self.tmp / "data"),
            BUSINESS_TIME_ZONE="UTC",
        )
        return env

    def serve(self, name: str, driver: str) -> Child:
        """`bookings-sessions serve`: one uvicorn worker (uvicorn picks uvloop + httptools when present)."""
        port = free_port()
        argv = [str(BIN / "bookings-sessions"), "serve", "--host", LOOPBACK, "--port", str(port)]
        return self.children.start(name, argv, self._server_env(driver), port)

    def serve_workers(self, name: str, workers: int) -> Child:
        # create_app() without arguments reads Settings from the environment, so it works as a factory.
        port = free_port()
        argv = [str(BIN / "uvicorn"), "bookings_sessions.app:create_app", "--factory"]
        argv += ["--workers", str(workers), "--host", LOOPBACK, "--port", str(port), *UVICORN_FLAGS]
        return self.children.start(name, argv, self._server_env("pymongo"), port)

    def peer(self) -> Child | None:
        """The Apollo peer on the same store and secret; None (its rows then n/a) when it cannot run."""
        node = shutil.which("node")
        if node is None or not (PEER_DIR / "node_modules").is_dir():
            self.peer_reason = "the Apollo peer needs node and `npm ci` in bench/peers/apollo (make bench)"
            return None
        env = {k: v for k, v in os.environ.items() if not k.startswith(("JWT_", "MONGODB_"))}
        port = free_port()
        env.update(
            MONGODB_URI=self.uri,
            MONGODB_DATABASE=DATABASE,
            JWT_SECRET=self.secret,
            PORT=str(port),
            NODE_ENV="production",  # what a deployment sets: Apollo then skips its dev-only work
            BUSINESS_TIME_ZONE="UTC",
        )
        return self.children.start("peer", [node, str(PEER_DIR / "server.mjs")], env, port)

    def floor(self) -> Child:
        port = free_port()
        argv = [str(BIN / "uvicorn"), "floor_app:app", "--app-dir", str(BENCH_DIR)]
        argv += ["--host", LOOPBACK, "--port", str(port), *UVICORN_FLAGS]
        return self.children.start("floor", argv, dict(os.environ), port)

    # -- measurements ------------------------------------------------------------------------------
    def http(
        self,
        key: str,
        server: Child,
        target: load.Load,
        ids: list[str] | None = None,
        writes: Callable[[], int] | None = None,
    ) -> dict[str, Any] | None:
        """One measured row; returns the probe's answer. `writes` counts what the writes left behind
        (default for `ids`: the revision sum over them)."""
        cfg = self.config
        if not cfg.selected(key):
            self.failures[key] = "not selected (BENCH_ONLY)"
            return None
        if writes is None and ids:
            writes = partial(self.revisions.total, ids)
        try:
            if target.method == "GET":
                answer = scenarios.check_get(target.port, target.path)
            else:
                answer = scenarios.check_ok(target.port, target.body, target.token or None, ids)
            if cfg.warmup:
                load.http(target, cfg.connections, cfg.warmup)
            wait_idle(os.getpid())  # the warm-up's last requests are served before the clock starts
            before = scenarios.settled(writes) if writes else 0
            result, cpu = self.measured(server, target, cfg.duration)
            if result.requests == 0 and not writes:
                # Every answer took longer than the run: one longer run, so a slow read row reports
                # figures (its latency at this concurrency) rather than nothing.
                result, cpu = self.measured(server, target, SLOW_ROW_SECONDS)
        except (RuntimeError, OSError, ValueError) as error:
            self.failures[key] = str(error)[:500]
            return None
        if result.requests == 0:  # every answer took longer than the run: a figure of 0 would mislead
            landed = scenarios.settled(writes) - before if writes else 0
            seconds = cfg.duration if writes else SLOW_ROW_SECONDS
            self.failures[key] = f"no answer within {seconds:g} s ({landed} writes landed meanwhile)"
            return answer
        record = result.as_dict()
        # Server CPU per request served (answered + abandoned at the deadline, all of them finished by
        # now): unlike req/s, barely moved by other work on a shared machine.
        served = max(result.requests + result.abandoned, 1)
        record["cpu_us"] = cpu.server * 1e6 / served
        record["store_cpu_us"] = cpu.store * 1e6 / served
        if writes:  # a write scenario counts only if it really wrote once per request served
            record["writes_per_request"] = (scenarios.settled(writes) - before) / served
        self.samples[key].append(record)
        return answer

    def measured(self, server: Child, target: load.Load, duration: float) -> tuple[load.Result, Spent]:
        """One run of `duration` seconds, and the CPU seconds it took (its last answers included)."""
        before = self._spent(server)
        result = load.http(target, self.config.connections, duration)
        wait_idle(os.getpid())  # the run's last answers, whose CPU is then counted in full
        return result, self._spent(server) - before

    def _spent(self, server: Child) -> Spent:
        store = cpu_seconds(self.store_pid) if self.store_pid else 0.0
        return Spent(cpu_seconds(server.pid), store)

    def pair(
        self,
        keys: tuple[str, str],
        servers: tuple[Child, Child | None],
        target: Callable[[int], load.Load],
        number: int,
        ids: list[str] | None = None,
        writes: Callable[[], int] | None = None,
        after: Callable[[], None] | None = None,
    ) -> None:
        """One row for our server and the peer back to back; which goes first alternates by round, so a
        slow spell of the shared machine or a growing store does not always hit the same side."""
        sides = list(zip(keys, servers, strict=True))
        if number % 2 == 0:
            sides.reverse()
        answers: dict[str, Any] = {}
        for key, server in sides:
            if server is None:
                self.failures[key] = self.peer_reason
                continue
            answers[key] = self.http(key, server, target(server.port), ids, writes)
            if after is not None:
                after()
        ours, peer = (answers.get(key) for key in keys)
        if not ids and writes is None and ours is not None and peer is not None:
            found = scenarios.difference(scenarios.comparable(ours), scenarios.comparable(peer))
            if found:
                self.mismatches[keys[0]] = found

    def raw(self, key: str, driver: str, tag: str) -> None:
        cfg = self.config
        if not cfg.selected(key):
            self.failures[key] = "not selected (BENCH_ONLY)"
            return
        try:
            before = self.revisions.settled(self.singles)
            result = load.raw_driver(
                driver, self.uri, DATABASE, str(self.singles_file), tag, cfg.connections, cfg.duration
            )
        except (RuntimeError, OSError) as error:
            self.failures[key] = str(error)[:500]
            return
        record = result.as_dict()
        record["writes_per_request"] = (self.revisions.total(self.singles) - before) / max(result.requests, 1)
        self.samples[key].append(record)

    def availability(self, api: Child) -> None:
        """`availability` of 10 schedules over 4 weeks and its baseline, the listing of the same
        schedules and window, on a seed removed afterwards (bench/availability.py)."""
        try:
            availability.seed(api.port, self.admin)
            # What every read of these rows scans on FerretDB (docs/performance.md).
            stored = self.revisions.sessions.count_documents({})
            self.samples["availability_store"].append({"documents": stored})
            print(f"bench: availability rows on {stored} session documents", flush=True)
            for key, body in (
                ("availability_listing", availability.listing_body()),
                ("availability", availability.availability_body()),
            ):
                self.http(key, api, load.Load(api.port, body, self.staff))
        except (RuntimeError, OSError) as error:
            self.failures["availability"] = self.failures["availability_listing"] = str(error)[:500]
        finally:
            self.revisions.drop_schedules(availability.SCHEDULES)

    def calendar_feed(self, api: Child) -> None:
        """A busy schedule's calendar feed and its baseline, the expanded listing of the same schedule's
        year, on a seed removed afterwards (bench/calendar_feed.py)."""
        today = datetime.now(UTC).date()
        try:
            url = calendar_feed.seed(api.port, self.admin, today)
            listing = load.Load(api.port, calendar_feed.listing_body(today), self.staff)
            self.http("feed_listing", api, listing)
            self.http("feed", api, load.Load(api.port, "", path=url, method="GET"))
        except (RuntimeError, OSError) as error:
            self.failures["feed"] = self.failures["feed_listing"] = str(error)[:500]
        finally:
            self.revisions.drop_schedules((calendar_feed.SCHEDULE,))

    def round(self, number: int) -> None:
        tag = f"{uuid.uuid4().hex[:6]}r{number}"  # never sent before, so every write changes a value
        api = self.serve("api", "pymongo")  # the default driver
        self.samples["cold_start"].append({"seconds": wait_ready(api)})
        self.samples["rss_rest"].append({"mb": rss_mb(api.pid)})
        if not self.singles:
            self.singles = scenarios.seed_singles(api.port, self.admin, self.singles_file)
            self.series, self.series_reason = scenarios.seed_series(api.port, self.admin, self.series_file)
            if self.on_seeded is not None:
                self.on_seeded()
        floor = self.floor()  # alone, like the api: its start and RSS are the baselines for ours
        self.samples["floor_cold_start"].append({"seconds": wait_ready(floor)})
        self.samples["floor_rss"].append({"mb": rss_mb(floor.pid)})
        peer = self.peer()  # alone too: its start and RSS are shown beside ours
        if peer is not None:
            try:
                seconds = wait_ready(peer, "/graphql", post=PEER_PROBE)
                self.samples["peer_cold_start"].append({"seconds": seconds})
                self.samples["peer_rss"].append({"mb": rss_mb(peer.pid)})
            except RuntimeError as error:
                self.peer_reason = f"the Apollo peer did not start: {error}"
                self.children.stop(peer)
                peer = None

        def notes(port: int) -> load.Load:
            body = scenarios.notes_update_body()
            return load.Load(port, body, self.admin, str(self.singles_file), tag)

        def fixed(body: str, token: str = "") -> Callable[[int], load.Load]:
            return lambda port: load.Load(port, body, token)

        both = (api, peer)
        self.http("floor", floor, load.Load(floor.port, scenarios.TYPENAME_BODY))
        self.pair(("typename", "typename_peer"), both, fixed(scenarios.TYPENAME_BODY), number)
        get = scenarios.get_body(self.singles[0])
        self.pair(("session", "session_peer"), both, fixed(get, self.staff), number)
        self.pair(("sessions", "sessions_peer"), both, fixed(scenarios.page_body(), self.staff), number)
        self.raw("raw_pymongo", "pymongo", tag + "p")
        self.pair(("update_pymongo", "update_peer"), both, notes, number, self.singles)
        create = fixed(scenarios.create_body(), self.admin)
        self.revisions.drop_created()
        self.pair(
            ("create", "create_peer"),
            both,
            create,
            number,
            writes=self.revisions.created,
            after=self.revisions.drop_created,
        )
        self.availability(api)
        self.calendar_feed(api)
        if peer is not None:
            self.samples["peer_rss_after"].append({"mb": rss_mb(peer.pid)})
        # Started only now: each of our servers polls the store for notifications (on FerretDB a scan of
        # the collection every second), which would load the store under the rows above for nothing.
        for child in (floor, *((peer,) if peer else ())):
            self.children.stop(child)
        api_motor, api_2w = self.serve("api-motor", "motor"), self.serve_workers("api-2w", 2)
        for child in (api_motor, api_2w):
            wait_ready(child)
        self.raw("raw_motor", "motor", tag + "m")
        self.http("update_motor", api_motor, notes(api_motor.port), self.singles)
        if self.series:
            body = scenarios.series_update_body()
            target = load.Load(api.port, body, self.admin, str(self.series_file), tag)
            self.http("update_series", api, target, self.series)
        self.http("typename_2w", api_2w, load.Load(api_2w.port, scenarios.TYPENAME_BODY))
        self.http("update_2w", api_2w, notes(api_2w.port), self.singles)
        self.samples["rss_after"].append({"mb": rss_mb(api.pid)})
        for child in (api_motor, api_2w, api):
            self.children.stop(child)


def _stop_on_sigterm(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # unwinds through the `finally` that stops every child


def _keep_indexing(database: EmbeddedFerretDB, stopping: threading.Event) -> None:
    while not stopping.wait(RECHECK_SECONDS):
        with contextlib.suppress(sqlite3.Error):  # locked past the busy timeout: the next round tries
            database.index_id_lookups()


def main() -> int:
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    config = Config.from_env()
    began = time.monotonic()
    # Other work on the machine skews every figure: measure how much CPU it took while we ran.
    busy_before, own_before = machine_busy_seconds(), own_cpu_seconds()
    print(
        f"bench: {config.rounds} rounds x ~17 measurements of {config.duration:g} s, "
        f"{config.connections} connections, load from {load.generator()}",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="bookings-bench-") as tmp_name:
        tmp = Path(tmp_name)
        children = Children(tmp)
        database = EmbeddedFerretDB(tmp / "ferretdb")
        bench: Bench | None = None
        stopping = threading.Event()
        try:
            uri = database.start()
            bench = Bench(
                config, uri, tmp, children, on_seeded=database.index_id_lookups, store_pid=database.pid
            )
            # And later, as `serve` does for its embedded store: the collections created on a first
            # write (the change marks) are indexed too (storage/ferretdb_id_index.py).
            threading.Thread(
                target=_keep_indexing, args=(database, stopping), name="id-lookups", daemon=True
            ).start()
            for number in range(1, config.rounds + 1):
                print(f"bench: round {number}/{config.rounds}", flush=True)
                bench.round(number)
        finally:
            stopping.set()
            children.stop_all()
            if bench is not None:
                bench.revisions.close()
            database.stop()
    assert bench is not None  # the try above either set it or raised
    elapsed = time.monotonic() - began
    others = (machine_busy_seconds() - busy_before) - (own_cpu_seconds() - own_before)
    other_share = max(0.0, others) / (elapsed * (os.cpu_count() or 1))
    print("bench: recurrence expansion", flush=True)
    results: dict[str, Any] = {
        "meta": {
            **asdict(config),
            "generator": load.generator(),
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "machine": platform.machine(),
        },
        "samples": dict(bench.samples),
        "failures": bench.failures,
        "peer_mismatches": bench.mismatches,
        "series_na": bench.series_reason,
        "expansion": load.expansion(max(3, config.rounds)),
    }
    results["meta"]["seconds"] = round(time.monotonic() - began, 1)
    results["meta"]["other_processes_cpu_share"] = round(other_share, 3)
    report.finish(results, BENCH_DIR / "results.json")
    return 0
