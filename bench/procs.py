"""Child processes of the bench: started in their own process group, always stopped, never orphaned."""

from __future__ import annotations

import contextlib
import ctypes
import http.client
import json
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LOOPBACK = "127.0.0.1"
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    # Runs in the child before exec: if the bench itself is SIGKILLed, the kernel still stops its servers.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]
    port: int
    log: Path
    started_at: float  # time.perf_counter() just before exec, for cold-start timing

    @property
    def pid(self) -> int:
        return self.process.pid


class Children:
    """Owns every process the bench starts; `stop_all` runs from a `finally`, so Ctrl-C and errors too."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self._alive: list[Child] = []

    def start(self, name: str, argv: list[str], env: dict[str, str], port: int = 0) -> Child:
        log = self.log_dir / f"{name}.log"
        with log.open("ab") as out:
            started_at = time.perf_counter()
            process = subprocess.Popen(
                argv,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=out,
                start_new_session=True,  # own process group: Ctrl-C reaches only us, we stop the group
                preexec_fn=_die_with_parent,
            )
        child = Child(name, process, port, log, started_at)
        self._alive.append(child)
        return child

    def stop(self, child: Child) -> None:
        if child in self._alive:
            self._alive.remove(child)
        if child.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGTERM)
        try:
            child.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGKILL)
            child.process.wait(timeout=10)

    def stop_all(self) -> None:
        for child in list(reversed(self._alive)):
            self.stop(child)


def request(
    port: int,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 10.0,
) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(LOOPBACK, port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def graphql(
    port: int,
    query: str,
    variables: dict[str, Any] | None = None,
    token: str | None = None,
    timeout: float = 10.0,
) -> Any:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    _, raw = request(port, "POST", "/graphql", body, headers, timeout)
    return json.loads(raw)


def wait_ready(
    child: Child, path: str = "/readyz", timeout: float = 30.0, post: bytes | None = None
) -> float:
    """Seconds from the child's exec to the first 200 on `path` (GET, or POST of a JSON body: servers
    without a readiness route); raises if it dies or times out."""
    deadline = time.monotonic() + timeout
    method, headers = ("POST", {"Content-Type": "application/json"}) if post else ("GET", {})
    while time.monotonic() < deadline:
        if child.process.poll() is not None:
            raise RuntimeError(f"{child.name} exited with {child.process.returncode}; see {child.log}")
        with contextlib.suppress(OSError, http.client.HTTPException):
            status, _ = request(child.port, method, path, post, headers)
            if status == 200:
                return time.perf_counter() - child.started_at
        time.sleep(0.01)
    raise RuntimeError(f"{child.name} was not ready within {timeout:.0f} s; see {child.log}")


def _descendants(pid: int) -> list[int]:
    found: list[int] = []
    queue = [pid]
    while queue and len(found) < 256:  # bounded: a server tree here is a handful of processes
        current = queue.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            with contextlib.suppress(OSError):
                queue.extend(int(child) for child in task.read_text().split())
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its descendants (uvicorn's workers): robust to a busy machine."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for member in _descendants(pid):
        with contextlib.suppress(OSError):
            # Fields after the ")" of the command name; utime and stime are the 14th and 15th overall.
            fields = Path(f"/proc/{member}/stat").read_text().rpartition(")")[2].split()
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def wait_idle(pid: int, quiet_seconds: float = 0.03, window: float = 0.25, timeout: float = 20.0) -> float:
    """Until the process tree of `pid` (the bench: every server and FerretDB) has used less than
    `quiet_seconds` of CPU in each of two successive windows; returns the seconds waited.

    A load generator stops at its deadline with a request in flight on every connection; the servers and
    the store still finish those. Waiting for that keeps one measurement's leftovers out of the next.
    """
    began = time.monotonic()
    quiet = 0
    last = cpu_seconds(pid)
    while quiet < 2 and time.monotonic() - began < timeout:
        time.sleep(window)
        now = cpu_seconds(pid)
        quiet = quiet + 1 if now - last < quiet_seconds else 0
        last = now
    return time.monotonic() - began


def machine_busy_seconds() -> float:
    """CPU seconds all processes used so far (from /proc/stat), summed over CPUs; idle and iowait excluded."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    """This process and every child it has waited for (servers, FerretDB, wrk, raw drivers)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def rss_mb(pid: int) -> float:
    """Resident set size from /proc, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")
