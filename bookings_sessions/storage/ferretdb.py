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
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Literal

from pymongo import MongoClient
from pymongo.errors import PyMongoError

from .ferretdb_id_index import index_id_lookups

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
BUILD_SCRIPT = PROJECT_ROOT / "scripts" / "build-ferretdb.sh"
_PR_SET_PDEATHSIG = 1
# Go's garbage collector at its default (GOGC=100) took a large share of FerretDB's CPU: every read
# decodes documents into short-lived garbage. Collecting at 4x the live heap instead gives faster reads
# with a shorter tail for a little more memory (docs/performance.md, lever 24); the memory limit keeps a
# large scan's heap bounded. An operator's own
# GOGC or GOMEMLIMIT wins.
GO_RUNTIME = {"GOGC": "400", "GOMEMLIMIT": "512MiB"}
# SQLite's `synchronous` for the store's files (docs/design.md §4, "Durability of the embedded store"):
# NORMAL syncs the write-ahead log at checkpoints, FULL at every commit.
Synchronous = Literal["NORMAL", "FULL"]
DEFAULT_SYNCHRONOUS: Synchronous = "NORMAL"


def sqlite_url(directory: Path, synchronous: Synchronous) -> str:
    """FerretDB's `--sqlite-url`: a database file per MongoDB database in `directory`, each connection
    opened with `synchronous` (FerretDB adds its own defaults: WAL, a 10 s busy timeout)."""
    return f"file:{directory}/?_pragma=synchronous({synchronous.lower()})"


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


def private_dir(path: Path) -> None:
    """`path` and any parents made here are 0700; an existing `path` is tightened to 0700.

    The database files hold every session's notes: nobody but the server's user may list or read them.
    """
    missing = [parent for parent in (path, *path.parents) if not parent.exists()]
    for directory in reversed(missing):
        with contextlib.suppress(FileExistsError):
            directory.mkdir(mode=0o700)
    try:
        path.chmod(0o700)
    except PermissionError:  # someone else's directory: still usable, but say that it is not private
        log.warning("%s belongs to another user and could not be made private (0700)", path)


def _child_setup() -> None:
    # Runs in the child before exec. umask 077: whatever FerretDB creates is its user's alone.
    # PDEATHSIG: the kernel sends SIGTERM to FerretDB if our process dies, even by SIGKILL, so a crashed
    # test run or server never leaves an orphan database behind. Linux ties this to the *thread* that
    # forked: `serve` starts FerretDB in the event loop's default executor, whose worker threads live as
    # long as the loop; never start it from a short-lived thread.
    os.umask(0o077)
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class EmbeddedFerretDB:
    """`with EmbeddedFerretDB(data_dir) as db: db.uri` — started, answering ping, stopped on exit.

    Everything FerretDB writes (SQLite files, state, its log) stays in `data_dir`, which is 0700; its
    working directory is `data_dir` too. `restart()` starts it again on the same port and files, so
    clients reconnect by themselves.
    """

    def __init__(
        self,
        data_dir: Path,
        *,
        binary: Path | None = None,
        start_timeout: float = 20.0,
        synchronous: Synchronous = DEFAULT_SYNCHRONOUS,
    ) -> None:
        self.data_dir = data_dir
        self.binary = binary
        self.synchronous = synchronous
        self.start_timeout = start_timeout
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None
        # stop() may run (at shutdown) while a supervisor's restart() is under way in another thread.
        self._lock = threading.Lock()
        self._stopped = False

    @property
    def uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/"

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def start(self) -> str:
        self.binary = self.binary or find_binary()
        private_dir(self.data_dir)
        with self._lock:
            self._stopped = False
        for _attempt in range(3):  # the free port may be taken between probe and bind
            self.port = free_loopback_port()
            if self._launch():
                return self.uri
        raise EmbeddedDatabaseError(f"FerretDB did not start; see {self.data_dir / 'ferretdb.log'}")

    def restart(self) -> str:
        """Starts it again on the same port and files, after it exited (see `exit_code`)."""
        if not self._launch():
            raise EmbeddedDatabaseError(f"FerretDB did not restart; see {self.data_dir / 'ferretdb.log'}")
        return self.uri

    def exit_code(self) -> int | None:
        """None while it runs; otherwise its exit status (negative: killed by that signal), reaped."""
        process = self._process
        return None if process is None else process.poll()

    def index_id_lookups(self) -> int:
        """Indexes the `_id` lookups of every collection created so far (storage/ferretdb_id_index.py)."""
        return index_id_lookups(self.data_dir / "sqlite")

    def _launch(self) -> bool:
        assert self.binary is not None
        sqlite_dir = self.data_dir / "sqlite"
        state_dir = self.data_dir / "state"
        for directory in (sqlite_dir, state_dir):
            directory.mkdir(mode=0o700, exist_ok=True)
        with self._lock:
            if self._stopped:
                return False
            log_fd = os.open(self.data_dir / "ferretdb.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            with os.fdopen(log_fd, "ab") as log_file:
                self._process = subprocess.Popen(
                    [
                        str(self.binary),
                        "--handler=sqlite",
                        f"--sqlite-url={sqlite_url(sqlite_dir, self.synchronous)}",
                        f"--listen-addr=127.0.0.1:{self.port}",
                        f"--state-dir={state_dir}",
                        "--debug-addr=-",
                        "--telemetry=disable",
                        "--log-level=warn",
                    ],
                    cwd=self.data_dir,
                    env={**GO_RUNTIME, **os.environ},
                    stdin=subprocess.DEVNULL,
                    stdout=log_file,
                    stderr=log_file,
                    preexec_fn=_child_setup,
                )
        if self._wait_for_ping():
            return True
        self._terminate()
        return False

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
        with self._lock:
            self._stopped = True
        self._terminate()

    def _terminate(self) -> None:
        with self._lock:
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
