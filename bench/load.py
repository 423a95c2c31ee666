"""Drives load from a separate process (wrk, else bench/loadgen.py) and parses its one-line result."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
LUA_SCRIPT = BENCH_DIR / "graphql.lua"


@dataclass(frozen=True)
class Load:
    """What one scenario sends: a body (with __ID__/__N__ placeholders when ids_file is set) POSTed to
    /graphql, or a GET of `path` (a calendar feed) when `method` is GET."""

    port: int
    body: str
    token: str = ""
    ids_file: str = ""
    tag: str = "r"
    path: str = "/graphql"
    method: str = "POST"


@dataclass(frozen=True)
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    non2xx: int
    cpu_us: float | None = None  # CPU per request of the process doing the work (server or raw client)
    # Sent but never answered within the run: wrk stops at its deadline with one request in flight on
    # every connection, which the server still serves (bench/loadgen.py waits for its last answers).
    abandoned: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def generator() -> str:
    """wrk when installed; BENCH_GENERATOR=python forces the fallback (to test it, or compare the two)."""
    if os.environ.get("BENCH_GENERATOR") == "python":
        return "python"
    return "wrk" if shutil.which("wrk") else "python"


def _parse(output: str, what: str) -> Result:
    for line in output.splitlines():
        if line.startswith("BENCH "):
            raw = json.loads(line[len("BENCH ") :])
            seconds = max(raw["duration_us"], 1) / 1e6
            return Result(
                rps=raw["requests"] / seconds,
                p50_ms=raw["p50_us"] / 1000,
                p99_ms=raw["p99_us"] / 1000,
                requests=raw["requests"],
                errors=raw["errors"],
                non2xx=raw["non2xx"],
                cpu_us=raw.get("cpu_us"),
            )
    raise RuntimeError(f"{what} printed no result:\n{output[-2000:]}")


def _run(argv: list[str], env: dict[str, str], duration: float, what: str) -> Result:
    # Bounded: a hung generator fails the bench instead of stalling it.
    done = subprocess.run(
        argv,
        env=env,
        capture_output=True,
        text=True,
        timeout=duration + 60,
        check=False,
        cwd=BENCH_DIR.parent,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{what} failed ({done.returncode}):\n{done.stdout[-1000:]}{done.stderr[-2000:]}")
    return _parse(done.stdout, what)


def http(load: Load, connections: int, duration: float) -> Result:
    """One closed-loop run: `connections` keep-alive connections, each sending as fast as answered."""
    env = dict(os.environ)
    # A fresh tag per run: a value repeated from the warm-up would be a no-op write the server skips.
    tag = f"{load.tag}{secrets.token_hex(3)}"
    if generator() == "wrk":
        env.update(BENCH_BODY=load.body, BENCH_TOKEN=load.token, BENCH_IDS=load.ids_file, BENCH_TAG=tag)
        env.update(BENCH_METHOD=load.method)
        argv = [
            "wrk",
            "-t1",  # one thread is far from wrk's limit here and leaves the second core to the server
            f"-c{connections}",
            f"-d{max(1, round(duration))}s",
            f"--timeout={max(10, round(duration))}s",  # a slow row's answers count rather than time out
            "-s",
            str(LUA_SCRIPT),
            f"http://127.0.0.1:{load.port}{load.path}",
        ]
    else:
        argv = [
            sys.executable,
            "-m",
            "bench.loadgen",
            f"--port={load.port}",
            f"--path={load.path}",
            f"--method={load.method}",
            f"--body={load.body}",
            f"--token={load.token}",
            f"--ids-file={load.ids_file}",
            f"--tag={tag}",
            f"--connections={connections}",
            f"--duration={duration}",
        ]
    result = _run(argv, env, duration, generator())
    return replace(result, abandoned=connections) if generator() == "wrk" else result


def raw_driver(
    driver: str, uri: str, database: str, ids_file: str, tag: str, connections: int, duration: float
) -> Result:
    argv = [
        sys.executable,
        "-m",
        "bench.rawdriver",
        f"--driver={driver}",
        f"--uri={uri}",
        f"--database={database}",
        f"--ids-file={ids_file}",
        f"--tag={tag}",
        f"--connections={connections}",
        f"--duration={duration}",
    ]
    return _run(argv, dict(os.environ), duration, f"raw {driver}")


def expansion(rounds: int) -> dict[str, Any]:
    """bench/expansion.py in a fresh process (it prints one JSON object)."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.expansion", f"--rounds={rounds}"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd=BENCH_DIR.parent,
    )
    if done.returncode != 0:
        return {"available": False, "reason": f"expansion failed: {done.stderr.strip()[-300:]}"}
    result: dict[str, Any] = json.loads(done.stdout)
    return result
