"""Fallback load generator when `wrk` is missing: keep-alive HTTP/1.1 POSTs (or GETs) from its own process.

Same inputs and the same `BENCH {...}` output line as bench/graphql.lua, so the harness treats both alike.
Slower than wrk (it is Python), which lowers the ceiling for the floor first: ratios stay comparable only
within one run, which is all the bench claims.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import time
from collections.abc import Iterator
from pathlib import Path


def _percentile(sorted_values: list[int], fraction: float) -> int:
    if not sorted_values:
        return 0
    index = min(len(sorted_values) - 1, round(fraction * (len(sorted_values) - 1)))
    return sorted_values[index]


class Stats:
    def __init__(self) -> None:
        self.latencies_us: list[int] = []
        self.errors = 0
        self.non2xx = 0


async def _connection(
    args: argparse.Namespace, ids: list[str], worker: int, stats: Stats, end: float, turns: Iterator[int]
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", args.port)
    head = f"{args.method} {args.path} HTTP/1.1\r\nHost: 127.0.0.1:{args.port}\r\n"
    if args.method == "POST":
        head += "Content-Type: application/json\r\n"
    if args.token:
        head += f"Authorization: Bearer {args.token}\r\n"
    counter = 0
    try:
        while time.perf_counter() < end:
            counter += 1
            body = args.body
            if ids:
                # One counter shared by all connections, as in wrk: concurrent writes hit different ids.
                body = body.replace("__ID__", ids[next(turns) % len(ids)])
                body = body.replace("__N__", f"{args.tag}-{worker}-{counter}")
            payload = body.encode() if args.method == "POST" else b""
            started = time.perf_counter()
            writer.write(f"{head}Content-Length: {len(payload)}\r\n\r\n".encode() + payload)
            header = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in header.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
            stats.latencies_us.append(int((time.perf_counter() - started) * 1e6))
            if not header.startswith((b"HTTP/1.1 2", b"HTTP/1.0 2")):
                stats.non2xx += 1
    except (OSError, asyncio.IncompleteReadError, ValueError):
        stats.errors += 1
    finally:
        writer.close()


async def _run(args: argparse.Namespace, ids: list[str]) -> None:
    stats = Stats()
    started = time.perf_counter()
    end = started + args.duration
    turns = itertools.count()
    await asyncio.gather(*(_connection(args, ids, i, stats, end, turns) for i in range(args.connections)))
    elapsed = time.perf_counter() - started
    latencies = sorted(stats.latencies_us)
    result = {
        "requests": len(latencies),
        "duration_us": int(elapsed * 1e6),
        "p50_us": _percentile(latencies, 0.50),
        "p99_us": _percentile(latencies, 0.99),
        "errors": stats.errors,
        "non2xx": stats.non2xx,
    }
    print("BENCH " + json.dumps(result), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", default="/graphql")
    parser.add_argument("--method", choices=["POST", "GET"], default="POST")
    parser.add_argument("--body", required=True)
    parser.add_argument("--token", default="")
    parser.add_argument("--ids-file", default="")
    parser.add_argument("--tag", default="r")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duration", type=float, default=5.0)
    args = parser.parse_args()
    ids = [line for line in Path(args.ids_file).read_text().splitlines() if line] if args.ids_file else []
    try:
        import uvloop  # the load generator must not be the bottleneck more than it has to
    except ImportError:
        asyncio.run(_run(args, ids))
    else:
        uvloop.run(_run(args, ids))


if __name__ == "__main__":
    main()
