"""In-process CPU per `sessions` page: the app on an embedded FerretDB, the bench's page request through ASGI.

`python -m bench.page_profile [--requests N] [--profile]` seeds the bench's singles (once per data
directory), then times the page request and prints CPU µs per page (this process only: FerretDB's work
is in its own process). `--profile` also prints the top of a cProfile of the timed requests.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import pstats
import tempfile
import time
from pathlib import Path
from typing import Any

import bson
import httpx
from bson.codec_options import CodecOptions
from bson.raw_bson import RawBSONDocument

from bookings_sessions.app import create_app
from bookings_sessions.settings import Settings
from bookings_sessions.storage.ferretdb import EmbeddedFerretDB
from bookings_sessions.storage.store import STORED_FIELDS

from .scenarios import CREATE, POOL, SCHEDULE, _single_info, page_body, token

SECRET = "page-profile-secret-0123456789-0123456789"
DATABASE = "page_profile"
RAW: CodecOptions[RawBSONDocument] = CodecOptions(document_class=RawBSONDocument, tz_aware=True)


async def _post(client: httpx.AsyncClient, body: str, bearer: str) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {bearer}", "Content-Type": "application/json"}
    response = await client.post("/graphql", content=body, headers=headers)
    answer: dict[str, Any] = response.json()
    return answer


class _CannedCursor:
    """`find(...).sort(...).limit(...).to_list()` answering the documents the real query returned, split
    afresh from their BSON each time as stored bytes (as the store reads a listing): our CPU per page
    without the wait on FerretDB (whose cold-cache wake-ups add ~1 ms of noise per request on a shared
    machine)."""

    def __init__(self, raw: bytes) -> None:
        self._raw = raw

    def sort(self, *_: Any) -> _CannedCursor:
        return self

    def limit(self, *_: Any) -> _CannedCursor:
        return self

    async def to_list(self, length: int | None = None) -> list[RawBSONDocument]:
        return bson.decode_all(self._raw, RAW)


class _CannedCollection:
    def __init__(self, docs: list[dict[str, Any]]) -> None:
        self._raw = b"".join(bson.encode(doc) for doc in docs)

    def find(self, *_: Any) -> _CannedCursor:
        return _CannedCursor(self._raw)


async def _run(uri: str, data_dir: Path, requests: int, profile: bool, canned: bool) -> None:
    settings = Settings(
        mongodb_uri=uri,
        mongodb_database=DATABASE,
        jwt_secret=SECRET,
        data_dir=data_dir,
        business_time_zone="UTC",
        changes_poll_seconds=60,
        notification_poll_seconds=300,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            staff = token(SECRET, "BOOKINGS_STAFF")
            admin = token(SECRET, "BOOKINGS_ADMIN")
            body = page_body()
            probe = await _post(client, body, staff)
            if probe.get("errors") or not probe["data"]["sessions"]["edges"]:
                for index in range(POOL):
                    info = json.dumps({"query": CREATE, "variables": {"info": _single_info(index)}})
                    created = await _post(client, info, admin)
                    assert not created.get("errors"), created
                probe = await _post(client, body, staff)
            edges = probe["data"]["sessions"]["edges"]
            assert len(edges) == 50, probe
            if canned:
                store = app.state.runtime.services.store
                query = {"scheduleId": SCHEDULE, "kind": "single"}
                docs = (
                    await store.sessions.find(query, STORED_FIELDS).sort("start.utc", 1).limit(51).to_list()
                )
                store.raw_sessions = _CannedCollection(docs)
            for _ in range(50):  # warm up
                await _post(client, body, staff)
            profiler = cProfile.Profile() if profile else None
            if profiler:
                profiler.enable()
            cpu, wall = time.process_time(), time.perf_counter()
            for _ in range(requests):
                await _post(client, body, staff)
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            if profiler:
                profiler.disable()
            each = f"{cpu / requests * 1e6:,.0f} µs CPU, {wall / requests * 1e6:,.0f} µs wall"
            print(f"{requests} pages: {each} each")
            if profiler:
                stats = pstats.Stats(profiler)
                stats.sort_stats("cumulative").print_stats(60)
                stats.sort_stats("tottime").print_stats(40)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--data-dir", type=Path, default=Path(tempfile.gettempdir()) / "page-profile")
    parser.add_argument("--canned", action="store_true", help="answer the page's find from memory")
    args = parser.parse_args()
    args.data_dir.mkdir(parents=True, exist_ok=True)
    with EmbeddedFerretDB(args.data_dir / "ferretdb") as database:
        asyncio.run(_run(database.uri, args.data_dir / "app", args.requests, args.profile, args.canned))


if __name__ == "__main__":
    main()
