"""A real `bookings-sessions serve` process on a free loopback port, and real Node clients against it.

The `live_server` fixture (tests/conftest.py) starts one for the whole run, against the run's FerretDB.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from pymongo import MongoClient

from bookings_sessions.storage.ferretdb import free_loopback_port

from .paths import NODE_DIR
from .tokens import AS_ADMIN, SECRET, AsAdmin, Tokens

START_TIMEOUT = 30.0
# Filled in the background by the notification dispatcher and the change sequencer, and their hints
# and marks (a write's hint comes and goes as a mover takes it: storage/pending.py).
MOVED_COLLECTIONS = frozenset(
    {
        "notifications",
        "notification_claims",
        "changes",
        "change_sequencer",
        "change_deliveries",
        "change_delivery_claims",
        "dirty_sessions",
        "dirty_outboxes",
        "change_marks",
        "outbox_marks",
    }
)


@dataclass
class LiveServer:
    url: str
    log_path: Path
    database: str
    process: subprocess.Popen[bytes]
    tokens: Tokens
    env: dict[str, str] = field(default_factory=dict)

    @property
    def graphql_url(self) -> str:
        return f"{self.url}/graphql"

    @property
    def ws_url(self) -> str:
        return "ws" + self.graphql_url.removeprefix("http")

    def post(
        self, query: str, variables: dict[str, Any] | None = None, token: str | AsAdmin | None = AS_ADMIN
    ) -> Any:
        """The whole response body (as an admin unless told otherwise)."""
        sent = self.tokens.resolve(token)
        headers = {"Authorization": f"Bearer {sent}"} if sent else {}
        response = httpx.post(
            self.graphql_url, json={"query": query, "variables": variables or {}}, headers=headers, timeout=10
        )
        return response.json()

    def data(
        self, query: str, variables: dict[str, Any] | None = None, token: str | AsAdmin | None = AS_ADMIN
    ) -> Any:
        body = self.post(query, variables, token)
        assert "errors" not in body, body
        return body["data"]

    async def data_async(
        self, query: str, variables: dict[str, Any] | None = None, token: str | AsAdmin | None = AS_ADMIN
    ) -> Any:
        """`data`, without blocking the event loop (for tests that hold a WebSocket open meanwhile)."""
        sent = self.tokens.resolve(token)
        headers = {"Authorization": f"Bearer {sent}"} if sent else {}
        async with httpx.AsyncClient() as client:
            response = await client.post(
                self.graphql_url, json={"query": query, "variables": variables or {}}, headers=headers
            )
        body = response.json()
        assert "errors" not in body, body
        return body["data"]

    def count_documents(self) -> int:
        """Documents in every collection a request writes to: did anything get written?

        Not the collections the server's background movers fill from what rides in session documents
        (notifications, the change log): they grow on their own time, after earlier tests' writes.
        """
        client: MongoClient[dict[str, Any]] = MongoClient(self.env["MONGODB_URI"])
        try:
            database = client[self.database]
            written = set(database.list_collection_names()) - MOVED_COLLECTIONS
            return sum(database[name].count_documents({}) for name in written)
        finally:
            client.close()

    def log_records(self) -> list[dict[str, Any]]:
        """Every line the server wrote to stdout/stderr, each parsed as JSON (fails on a non-JSON line)."""
        lines = self.log_path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]


def _die_with_parent() -> None:
    # The server must not outlive a killed test run (same trick as the FerretDB launcher).
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)


def start_server(uri: str, work_dir: Path, tokens: Tokens, **env_overrides: str) -> LiveServer:
    database = f"live_{uuid.uuid4().hex[:12]}"
    work_dir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "MONGODB_URI": uri,
        "MONGODB_DATABASE": database,
        "JWT_SECRET": SECRET,
        "DATA_DIR": str(work_dir / "data"),
        "BUSINESS_TIME_ZONE": "UTC",
        "LOG_LEVEL": "INFO",
        **env_overrides,
    }
    log_path = work_dir / "server.log"
    for _attempt in range(3):  # the probed port may be taken before the server binds it
        port = free_loopback_port()
        with log_path.open("ab") as log_file:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "bookings_sessions",
                    "serve",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                ],
                cwd=work_dir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=log_file,
                preexec_fn=_die_with_parent,
            )
        server = LiveServer(f"http://127.0.0.1:{port}", log_path, database, process, tokens, env)
        if _wait_ready(server):
            return server
        stop_server(server)
    raise RuntimeError(f"the server did not become ready; log:\n{log_path.read_text()[-4000:]}")


def _wait_ready(server: LiveServer) -> bool:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            return False
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{server.url}/readyz", timeout=1).status_code == 200:
                return True
        time.sleep(0.1)
    return False


def stop_server(server: LiveServer) -> None:
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


def drop_database(server: LiveServer) -> None:
    if not server.env["MONGODB_URI"]:
        return  # the server ran its own embedded store
    client: MongoClient[dict[str, Any]] = MongoClient(server.env["MONGODB_URI"])
    client.drop_database(server.database)
    client.close()


@contextlib.contextmanager
def running_server(uri: str, work_dir: Path, tokens: Tokens, **env_overrides: str) -> Iterator[LiveServer]:
    """A server for the block, stopped afterwards and its database dropped (with MONGODB_URI set)."""
    server = start_server(uri, work_dir, tokens, **env_overrides)
    try:
        yield server
    finally:
        stop_server(server)
        drop_database(server)


@contextlib.contextmanager
def servers_sharing(
    uri: str, base: Path, tokens: Tokens, count: int = 2, **env_overrides: str
) -> Iterator[list[LiveServer]]:
    """`count` servers on one database (`MONGODB_DATABASE` in `env_overrides`), as processes of one
    deployment; each stopped afterwards, and the database dropped."""
    with contextlib.ExitStack() as stack:
        yield [
            stack.enter_context(running_server(uri, base / f"server-{number}", tokens, **env_overrides))
            for number in range(count)
        ]


def run_node(script: str, *args: str, timeout: float = 120.0) -> Any:
    """Runs tests/node/<script> and returns the JSON document it prints as its last stdout line."""
    node = shutil.which("node")
    assert node, "Node.js is required for this test (see the Makefile's node-deps target)"
    assert (NODE_DIR / "node_modules").is_dir(), "Node packages are missing: run `make node-deps`"
    result = subprocess.run(
        [node, str(NODE_DIR / script), *args],
        cwd=NODE_DIR,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    lines = result.stdout.strip().splitlines()
    assert result.returncode == 0 and lines, (
        f"{script} exited {result.returncode}\n"
        f"stdout:\n{result.stdout[-4000:]}\nstderr:\n{result.stderr[-4000:]}"
    )
    return json.loads(lines[-1])
