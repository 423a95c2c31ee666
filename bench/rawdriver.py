"""The write limit: raw `find_one_and_update` with updateSession's patch, from its own process.

Same client options as the server (our `create_client`), same concurrency, same documents, the same
`$set`/`$inc` the store sends for a notes change; no GraphQL, no read-before-write, no domain mapping.
Prints one `BENCH {...}` line like the HTTP load generators.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pymongo import ReturnDocument

from bookings_sessions.storage.client import create_client


def _percentile(sorted_values: list[int], fraction: float) -> int:
    if not sorted_values:
        return 0
    return sorted_values[min(len(sorted_values) - 1, round(fraction * (len(sorted_values) - 1)))]


async def _worker(
    collection: Any, ids: list[str], tag: str, end: float, latencies: list[int], turns: Iterator[int]
) -> int:
    # Each worker owns a disjoint slice of the documents: FerretDB 1.x (SQLite) does not apply
    # find_one_and_update atomically, so two concurrent writes to one document can lose an $inc.
    errors = 0
    for index in itertools.cycle(range(len(ids))):
        if time.perf_counter() >= end:
            break
        now = datetime.now(UTC)
        started = time.perf_counter()
        doc = await collection.find_one_and_update(
            {"_id": ids[index]},
            {"$set": {"notes": f"{tag}-{next(turns)}", "updatedDate": now}, "$inc": {"revision": 1}},
            return_document=ReturnDocument.AFTER,
        )
        latencies.append(int((time.perf_counter() - started) * 1e6))
        errors += doc is None
    return errors


async def _run(args: argparse.Namespace, ids: list[str]) -> dict[str, float]:
    client = create_client(args.uri, args.driver)
    try:
        collection = client[args.database]["sessions"]
        await collection.find_one({"_id": ids[0]})  # connect before the clock starts
        latencies: list[int] = []
        turns = itertools.count()
        cpu_started = time.process_time()
        started = time.perf_counter()
        end = started + args.duration
        slices = [ids[worker :: args.connections] for worker in range(args.connections)]
        errors = await asyncio.gather(
            *(_worker(collection, part, args.tag, end, latencies, turns) for part in slices if part)
        )
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_started  # all threads: motor's I/O runs in a thread pool
    finally:
        close = client.close()
        if asyncio.iscoroutine(close):  # AsyncMongoClient.close is a coroutine, motor's is not
            await close
    latencies.sort()
    return {
        "requests": len(latencies),
        "duration_us": int(elapsed * 1e6),
        "p50_us": _percentile(latencies, 0.50),
        "p99_us": _percentile(latencies, 0.99),
        "errors": sum(errors),
        "non2xx": 0,
        "cpu_us": cpu * 1e6 / max(len(latencies), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--driver", choices=["motor", "pymongo"], required=True)
    parser.add_argument("--uri", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--ids-file", required=True)
    parser.add_argument("--tag", default="raw")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duration", type=float, default=5.0)
    args = parser.parse_args()
    ids = [line for line in Path(args.ids_file).read_text().splitlines() if line]
    try:
        import uvloop  # the server runs on uvloop; give the baseline the same loop
    except ImportError:
        result = asyncio.run(_run(args, ids))
    else:
        result = uvloop.run(_run(args, ids))
    print("BENCH " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
