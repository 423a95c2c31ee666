"""Runs FerretDB 1.24.2 (SQLite storage) as a child process: the embedded default and the test database."""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType

from pymongo import MongoClient
from pymongo.errors import PyMongoError

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
BUILD_SCRIPT = PROJECT_ROOT / "scripts" / "build-ferretdb.sh"
_PR_SET_PDEATHSIG = 1


class EmbeddedDatabaseError(RuntimeError):
    pass


def find_binary() -> Path:
    """`FERRETDB_BIN`, else the project's build (built on first use), else `ferretdb` on PATH."""
    if configured := os.environ.get("FERRETDB_BIN"):
        return Path(configured)
    local = PROJECT_ROOT / ".tools" / "bin" / "ferretdb"
    if BUILD_SCRIPT.exists():
        result = subprocess.run([str(BUILD_SCRIPT)], check=False)
        if result.returncode != 0:
            raise EmbeddedDatabaseError(f"building FerretDB failed (exit {result.returncode})")
        return local
    if on_path := shutil.which("ferretdb"):
        return Path(on_path)
    raise EmbeddedDatabaseError("FerretDB binary not found: set FERRETDB_BIN or MONGODB_URI")


def free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _die_with_parent() -> None:
    # Runs in the child before exec: the kernel sends SIGTERM to FerretDB if our process dies, even by
    # SIGKILL, so a crashed test run or server never leaves an orphan database behind. Linux ties this to
    # the *thread* that forked: `serve` starts FerretDB in the event loop's default executor, whose worker
    # threads live as long as the loop; never start it from a short-lived thread.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class EmbeddedFerretDB:
    """`with EmbeddedFerretDB(data_dir) as db: db.uri` — started, answering ping, stopped on exit."""

    def __init__(self, data_dir: Path, *, binary: Path | None = None, start_timeout: float = 20.0) -> None:
        self.data_dir = data_dir
        self.binary = binary
        self.start_timeout = start_timeout
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/"

    def start(self) -> str:
        binary = self.binary or find_binary()
        sqlite_dir = self.data_dir / "sqlite"
        state_dir = self.data_dir / "state"
        sqlite_dir.mkdir(parents=True, exist_ok=True)
        state_dir.mkdir(parents=True, exist_ok=True)
        for _attempt in range(3):  # the free port may be taken between probe and bind
            self.port = free_loopback_port()
            with (self.data_dir / "ferretdb.log").open("ab") as log_file:
                self._process = subprocess.Popen(
                    [
                        str(binary),
                        "--handler=sqlite",
                        f"--sqlite-url=file:{sqlite_dir}/",
                        f"--listen-addr=127.0.0.1:{self.port}",
                        f"--state-dir={state_dir}",
                        "--debug-addr=-",
                        "--telemetry=disable",
                        "--log-level=warn",
                    ],
                    stdin=subprocess.DEVNULL,
                    stdout=log_file,
                    stderr=log_file,
                    preexec_fn=_die_with_parent,
                )
            if self._wait_for_ping():
                return self.uri
            self.stop()
        raise EmbeddedDatabaseError(f"FerretDB did not start; see {self.data_dir / 'ferretdb.log'}")

    def _wait_for_ping(self) -> bool:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self._process is None or self._process.poll() is not None:
                return False
            client: MongoClient[dict[str, object]] = MongoClient(
                self.uri, serverSelectionTimeoutMS=300, connectTimeoutMS=300
            )
            try:
                client.admin.command("ping")
                return True
            except PyMongoError:
                time.sleep(0.05)
            finally:
                client.close()
        return False

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def __enter__(self) -> EmbeddedFerretDB:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
