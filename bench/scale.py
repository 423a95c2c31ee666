"""`python -m bench scale` (`make bench-scale`): how a `sessions` page and an `updateSession` slow down as
the embedded store fills up — 1k, 2k, 5k, 10k and 50k sessions by default (BENCH_SCALE_SIZES).

Every schedule holds 200 single sessions, 50 in each of four weeks, so the measured page (schedule 0, week
0, `first: 50`) is the same 50 sessions at every size: only the rest of the collection grows. The store is
filled through the raw driver with `insert_many`, cloning a document our server itself stored (so the
clones are shaped like ours). Each figure is the median of sequential requests from one client: latency,
not throughput. Beside ours: the Apollo peer (when it is installed) and the raw queries our store sends,
so the store's share is visible. Each side runs alone against the store: our server polls it for
notifications every second, which on FerretDB is itself a scan of the whole collection.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pymongo import MongoClient, ReturnDocument
from pymongo.errors import PyMongoError

from bookings_sessions.storage.ferretdb import EmbeddedFerretDB

from . import scenarios
from .procs import Child, Children, free_port, graphql, wait_idle, wait_ready
from .run import BIN, DATABASE, PEER_DIR, PEER_PROBE

SIZES = (1_000, 2_000, 5_000, 10_000, 50_000)
PER_SCHEDULE = 200  # 4 weeks x 50
PER_WEEK = 50
BATCH = 1_000
FIRST_MONDAY = datetime(2026, 3, 2, tzinfo=UTC)
WINDOW = {"from": "2026-03-02T00:00:00Z", "to": "2026-03-09T00:00:00Z"}
LOCAL_FORMAT = "%Y-%m-%dT%H:%M"  # the stored wall time (storage/documents.py); zone UTC here
BUDGET_S = 5.0  # per figure: at least MIN_REPEATS requests, more while they fit in this
MIN_REPEATS, MAX_REPEATS = 3, 15
PAGE_LIMIT_MS = 100.0
REQUEST_TIMEOUT_S = 300.0  # a page at 50k sessions on a busy machine takes seconds


def schedule_id(number: int) -> str:
    return f"scale-{number:05d}"


def placed(index: int) -> tuple[str, datetime]:
    """Schedule and start of the index-th session: 10 a day from 08:00, Monday to Friday, 4 weeks."""
    schedule, slot = divmod(index, PER_SCHEDULE)
    week, within = divmod(slot, PER_WEEK)
    day, hour = divmod(within, 10)
    return schedule_id(schedule), FIRST_MONDAY + timedelta(weeks=week, days=day, hours=8 + hour)


def clone(template: dict[str, Any], index: int) -> dict[str, Any]:
    schedule, start = placed(index)
    end = start + timedelta(hours=1)
    return {
        **template,
        "_id": uuid.uuid4().hex,
        "scheduleId": schedule,
        "start": {**template["start"], "utc": start, "local": start.strftime(LOCAL_FORMAT)},
        "end": {**template["end"], "utc": end, "local": end.strftime(LOCAL_FORMAT)},
    }


def timed_ms(call: Callable[[int], None]) -> float:
    """Median ms of sequential calls (call(i) for i = 0, 1, ...)."""
    took: list[float] = []
    began = time.perf_counter()
    while len(took) < MAX_REPEATS and (len(took) < MIN_REPEATS or time.perf_counter() - began < BUDGET_S):
        started = time.perf_counter()
        call(len(took))
        took.append((time.perf_counter() - started) * 1000)
    return statistics.median(took)


@dataclass
class Scale:
    uri: str
    children: Children
    secret: str = field(default_factory=lambda: uuid.uuid4().hex * 2)
    filled: int = 0
    first_ids: list[str] = field(default_factory=list)  # schedule 0's sessions, the ones updated
    data_dir: Path = Path()

    def __post_init__(self) -> None:
        self.admin = scenarios.token(self.secret, "BOOKINGS_ADMIN")
        self.staff = scenarios.token(self.secret, "BOOKINGS_STAFF")
        self.client: MongoClient[dict[str, Any]] = MongoClient(self.uri, tz_aware=True)
        self.sessions = self.client[DATABASE]["sessions"]

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("JWT_", "MONGODB_"))}
        env.update(
            MONGODB_URI=self.uri,
            MONGODB_DATABASE=DATABASE,
            JWT_SECRET=self.secret,
            LOG_LEVEL="WARNING",
            DATA_DIR=str(self.data_dir),
            BUSINESS_TIME_ZONE="UTC",
        )
        return env

    def ours(self) -> Child:
        port = free_port()
        argv = [str(BIN / "bookings-sessions"), "serve", "--host", "127.0.0.1", "--port", str(port)]
        server = self.children.start("api", argv, self._env(), port)
        wait_ready(server, timeout=120)  # indexes created (first start: before the fill, as in production)
        # Steady state: each start scans the collection once (the change sequencer taking its lease and
        # the notification dispatcher, design.md §5, §9), at 50,000 sessions seconds of FerretDB's time.
        wait_idle(os.getpid(), timeout=120)
        return server

    def peer(self) -> Child | None:
        node = shutil.which("node")
        if node is None or not (PEER_DIR / "node_modules").is_dir():
            return None
        port = free_port()
        env = {**self._env(), "PORT": str(port), "NODE_ENV": "production"}
        server = self.children.start("peer", [node, str(PEER_DIR / "server.mjs")], env, port)
        try:
            wait_ready(server, "/graphql", post=PEER_PROBE)
        except RuntimeError:
            self.children.stop(server)
            return None
        return server

    def template(self, port: int) -> dict[str, Any]:
        """A session as our server stores it, taken out of the collection again."""
        info = {
            "scheduleId": "scale-template",
            "start": {"timestamp": "2026-03-02T08:00:00Z"},
            "end": {"timestamp": "2026-03-02T09:00:00Z"},
            "tags": ["INDIVIDUAL"],
            "notes": "scale",
        }
        body = graphql(port, scenarios.CREATE, {"info": info}, self.admin)
        if body.get("errors"):
            raise RuntimeError(f"createSession failed: {body['errors']}")
        session_id = body["data"]["createSession"]["_id"]
        doc = self.sessions.find_one_and_delete({"_id": session_id})
        if doc is None or doc["start"].get("local") != "2026-03-02T08:00":
            raise RuntimeError(f"the stored document is not shaped as this bench assumes: {doc}")
        # As the sessions of a store in use are: their change events long moved to `changes`. A clone
        # carrying its CREATED entry would have our server's sequencer number thousands of events at
        # start, under the measurements (design.md §9).
        doc.pop("changeLog", None)
        return doc

    def fill(self, template: dict[str, Any], size: int) -> float:
        began = time.perf_counter()
        while self.filled < size:
            batch = [clone(template, index) for index in range(self.filled, min(size, self.filled + BATCH))]
            self.sessions.insert_many(batch, ordered=False)
            if self.filled == 0:
                self.first_ids = [doc["_id"] for doc in batch[:PER_SCHEDULE]]
            self.filled += len(batch)
        return time.perf_counter() - began

    def page(self, port: int) -> Callable[[int], None]:
        variables = {"filter": {"scheduleId": schedule_id(0)}, "window": WINDOW, "first": PER_WEEK}

        def call(_: int) -> None:
            body = graphql(port, scenarios.PAGE, variables, self.staff, REQUEST_TIMEOUT_S)
            edges = (body.get("data") or {}).get("sessions", {}).get("edges", [])
            if body.get("errors") or len(edges) != PER_WEEK:
                raise RuntimeError(f"page: {json.dumps(body)[:300]}")

        return call

    def update(self, port: int, tag: str) -> Callable[[int], None]:
        def call(turn: int) -> None:
            variables = {"id": self.first_ids[turn], "info": {"notes": f"{tag}-{turn}"}}
            body = graphql(port, scenarios.UPDATE, variables, self.admin, REQUEST_TIMEOUT_S)
            if body.get("errors"):
                raise RuntimeError(f"updateSession: {json.dumps(body)[:300]}")

        return call

    def raw_page(self, _: int) -> None:
        # The query SessionStore.find_listed sends for this page.
        conditions = [
            {"kind": {"$in": ["single", "series"]}},
            {"scheduleId": schedule_id(0)},
            {"start.utc": {"$gte": FIRST_MONDAY, "$lt": FIRST_MONDAY + timedelta(weeks=1)}},
        ]
        found = self.sessions.find({"$and": conditions}, {"outbox": 0})
        if len(found.sort([("start.utc", 1), ("_id", 1)]).limit(PER_WEEK + 1).to_list()) != PER_WEEK:
            raise RuntimeError("raw page: not 50 sessions")

    def raw_update(self, guarded: bool, tag: str) -> Callable[[int], None]:
        def call(turn: int) -> None:
            notes = f"{tag}-{turn}"
            query: dict[str, Any] = {"_id": self.first_ids[turn]}
            if guarded:  # what SessionStore.patch_if_changed adds to the _id
                query.update(kind="single", **{"$or": [{"notes": {"$ne": notes}}]})
            update = {"$set": {"notes": notes, "updatedDate": datetime.now(UTC)}, "$inc": {"revision": 1}}
            if self.sessions.find_one_and_update(query, update, return_document=ReturnDocument.AFTER) is None:
                raise RuntimeError("raw update: no document")

        return call

    def measure(self, size: int, template: dict[str, Any]) -> dict[str, Any]:
        row: dict[str, Any] = {"sessions": size, "fill_s": self.fill(template, size), "failures": {}}
        tag = f"s{size}"

        def figure(name: str, call: Callable[[int], None]) -> None:
            try:
                row[name] = timed_ms(call)
            except (RuntimeError, OSError, PyMongoError) as error:  # reported, not fatal
                row[name] = None
                row["failures"][name] = str(error)[:300]

        ours = self.ours()
        figure("page_ms", self.page(ours.port))
        figure("update_ms", self.update(ours.port, tag))
        self.children.stop(ours)
        peer = self.peer()
        row["peer_page_ms"] = row["peer_update_ms"] = None
        if peer is not None:
            figure("peer_page_ms", self.page(peer.port))
            figure("peer_update_ms", self.update(peer.port, tag + "p"))
            self.children.stop(peer)
        figure("raw_page_ms", self.raw_page)
        figure("raw_update_ms", self.raw_update(False, tag + "r"))
        figure("raw_guarded_update_ms", self.raw_update(True, tag + "g"))
        return row


def sizes() -> tuple[int, ...]:
    configured = os.environ.get("BENCH_SCALE_SIZES")
    if not configured:
        return SIZES
    return tuple(sorted(int(part) for part in configured.split(",") if part.strip()))


def under_limit(rows: list[dict[str, Any]], limit_ms: float = PAGE_LIMIT_MS) -> int | None:
    """Sessions at which a page reaches `limit_ms`, interpolated linearly between measured sizes (a
    FerretDB listing scans the whole collection, so its time grows linearly with it)."""
    points: list[tuple[int, float]] = [
        (row["sessions"], row["page_ms"]) for row in rows if row["page_ms"] is not None
    ]
    for (size_a, ms_a), (size_b, ms_b) in itertools.pairwise(points):
        if ms_a <= limit_ms < ms_b:
            return round(size_a + (limit_ms - ms_a) * (size_b - size_a) / (ms_b - ms_a))
    if points and points[0][1] >= limit_ms:
        return round(points[0][0] * limit_ms / points[0][1])
    return None  # still under the limit at the largest size


def table(rows: list[dict[str, Any]]) -> str:
    def ms(value: float | None) -> str:
        return "n/a" if value is None else f"{value:,.0f}" if value >= 100 else f"{value:.1f}"

    lines = [
        "| sessions in the store | fill s | page ms: ours | peer | raw query | "
        "`updateSession` ms: ours | peer | raw by `_id` | raw guarded |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    figures: tuple[str, ...] = ("page_ms", "peer_page_ms", "raw_page_ms", "update_ms", "peer_update_ms")
    figures += ("raw_update_ms", "raw_guarded_update_ms")
    for row in rows:
        cells = " | ".join(ms(row[name]) for name in figures)
        lines.append(f"| {row['sessions']:,} | {row['fill_s']:.1f} | {cells} |")
    return "\n".join(lines)


def main() -> int:
    began = time.monotonic()
    rows: list[dict[str, Any]] = []
    print(f"bench scale: sizes {', '.join(f'{size:,}' for size in sizes())}", flush=True)
    with tempfile.TemporaryDirectory(prefix="bookings-scale-") as tmp_name:
        tmp = Path(tmp_name)
        children = Children(tmp)
        database = EmbeddedFerretDB(tmp / "ferretdb")
        scale: Scale | None = None
        try:
            scale = Scale(database.start(), children, data_dir=tmp / "data")
            ours = scale.ours()
            template = scale.template(ours.port)
            children.stop(ours)
            database.index_id_lookups()  # as `serve` does for its embedded store (ferretdb_id_index.py)
            for size in sizes():
                rows.append(scale.measure(size, template))
                print(f"bench scale: {size:,} sessions measured", flush=True)
        finally:
            children.stop_all()
            if scale is not None:
                scale.client.close()
            database.stop()
    limit = under_limit(rows)
    print()
    print("Sequential requests, median ms; one schedule's week of 50 sessions, the rest of the store grows:")
    print(table(rows))
    reach = "beyond the largest size" if limit is None else f"up to about {limit:,} sessions"
    print(f"\nOn the embedded store a page stays under {PAGE_LIMIT_MS:g} ms {reach}.")
    for row in rows:
        for name, reason in row["failures"].items():
            print(f"  n/a: {row['sessions']:,} sessions, {name}: {reason}")
    path = Path(__file__).resolve().parent / "scale.json"
    result = {"rows": rows, "page_under_100ms_up_to": limit, "seconds": round(time.monotonic() - began, 1)}
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {path} ({result['seconds']:.0f} s)")
    return 0
