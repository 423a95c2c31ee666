"""The `bookings-sessions` command as a user runs it: a real process, real signals, real FerretDB."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import jwt
import pytest
from pymongo import MongoClient

from bookings_sessions.settings import Settings
from bookings_sessions.storage.ferretdb import EmbeddedFerretDB, free_loopback_port
from bookings_sessions.storage.ferretdb_id_index import RECHECK_SECONDS, SUFFIX
from tests.support.api import Api
from tests.support.graphql import create_mutation, single_session_info, update_mutation

CLI = Path(sys.executable).parent / "bookings-sessions"
SETTINGS_VARIABLES = {name.upper() for name in Settings.model_fields}
CREATE = create_mutation("_id revision notes")
UPDATE = update_mutation("_id revision notes")
SESSION_INFO = single_session_info(notes="first")


def environment(**settings: str) -> dict[str, str]:
    """The current environment without any of our settings, plus the given ones."""
    env = {name: value for name, value in os.environ.items() if name.upper() not in SETTINGS_VARIABLES}
    env.update(settings)
    return env


def run(*args: str, timeout: float = 60, **settings: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CLI), *args], env=environment(**settings), capture_output=True, text=True, timeout=timeout
    )


def assert_one_line_without_traceback(result: subprocess.CompletedProcess[str], mentions: str) -> None:
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert mentions in lines[0]
    assert "Traceback" not in result.stderr + result.stdout


# --- a bad setting stops `serve` with one line ----------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("BUSINESS_TIME_ZONE", "Mars/Olympus"),
        ("MONGODB_URI", "http://localhost:27017/"),
        ("MONGODB_URI", "mongodb://localhost:notaport/"),
        ("LOG_LEVEL", "LOUD"),
    ],
)
def test_serve_with_a_bad_setting_prints_one_line_and_exits(tmp_path: Path, name: str, value: str) -> None:
    result = run("--data-dir", str(tmp_path), "serve", "--port", str(free_loopback_port()), **{name: value})
    assert_one_line_without_traceback(result, name)


# --- token ----------------------------------------------------------------------------------------


def test_token_uses_the_configured_secret_and_claims() -> None:
    secret = "a-configured-secret-for-the-cli-test-0123456789"
    result = run("token", "--role", "BOOKINGS_ADMIN", "--role", "SERVICE", "--sub", "me", "--ttl", "120",
                 JWT_SECRET=secret, JWT_ISSUER="iss", JWT_AUDIENCE="aud")  # fmt: skip
    assert result.returncode == 0, result.stderr
    claims = jwt.decode(result.stdout.strip(), secret, algorithms=["HS256"], issuer="iss", audience="aud")
    assert claims["sub"] == "me"
    assert claims["roles"] == ["BOOKINGS_ADMIN", "SERVICE"]
    assert claims["exp"] - claims["iat"] == 120


def test_token_refuses_an_unknown_role() -> None:
    result = run("token", "--role", "ROOT", JWT_SECRET="x" * 40)
    assert result.returncode == 2
    assert "ROOT" in result.stderr
    assert "Traceback" not in result.stderr


def test_sdl_prints_the_schema_with_the_directive() -> None:
    result = run("sdl")
    assert result.returncode == 0, result.stderr
    assert "directive @requiresRole(anyOf: [Role!]!) on FIELD_DEFINITION" in result.stdout
    assert '@key(fields: "_id")' in result.stdout
    assert "updateSession(sessionId: ID!, sessionInfo: UpdateSessionInfo!" in result.stdout


# --- serve ----------------------------------------------------------------------------------------


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def graphql(self, query: str, variables: dict[str, object], token: str) -> dict[str, object]:
        response = httpx.post(
            f"{self.url}/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        body: dict[str, object] = response.json()
        return body

    def stop(self, how: signal.Signals) -> None:
        """Stops gracefully: the lifespan's shutdown ran, and the exit is clean or the signal's own."""
        self.process.send_signal(how)
        try:
            code = self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise
        # uvicorn re-raises SIGTERM after its graceful shutdown, so the status is the conventional one.
        assert code in (0, -how), self.output()
        assert "Application shutdown complete" in self.output()
        assert "Traceback" not in self.output()


@contextlib.contextmanager
def serve(data_dir: Path, **settings: str) -> Iterator[Server]:
    port = free_loopback_port()
    log = data_dir.parent / f"serve-{port}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [str(CLI), "serve", "--port", str(port), "--data-dir", str(data_dir)],
            env=environment(**settings),
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    server = Server(process, f"http://127.0.0.1:{port}", log)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, server.output()
            try:
                if httpx.get(f"{server.url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, server.output()
            time.sleep(0.1)
        yield server
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def port_is_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def test_a_token_from_the_cli_works_against_serve(ferretdb: EmbeddedFerretDB, tmp_path: Path) -> None:
    """The issue's "done when": serve, get a token with the same data dir, create then update."""
    data_dir = tmp_path / "var"
    database = f"cli_{uuid.uuid4().hex[:8]}"
    with serve(data_dir, MONGODB_URI=ferretdb.uri, MONGODB_DATABASE=database) as server:
        assert "development mode" in server.output()
        assert "MONGODB_URI" in server.output()  # says which store it uses

        token = run("--data-dir", str(data_dir), "token", "--role", "BOOKINGS_ADMIN")
        assert token.returncode == 0, token.stderr
        admin = token.stdout.strip()
        created = server.graphql(CREATE, {"info": SESSION_INFO}, admin)
        assert "errors" not in created, created
        session = created["data"]["createSession"]  # type: ignore[index]
        updated = server.graphql(UPDATE, {"id": session["_id"], "info": {"notes": "second"}}, admin)
        assert updated == {
            "data": {"updateSession": {"_id": session["_id"], "revision": 2, "notes": "second"}}
        }

        # The subcommand also takes --data-dir after its name.
        staff = run("token", "--role", "BOOKINGS_STAFF", "--data-dir", str(data_dir)).stdout.strip()
        refused = server.graphql(UPDATE, {"id": session["_id"], "info": {"notes": "x"}}, staff)
        assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"  # type: ignore[index]

        # A token signed for another data dir has another secret.
        stranger = run(
            "--data-dir", str(tmp_path / "other"), "token", "--role", "BOOKINGS_ADMIN"
        ).stdout.strip()
        refused = server.graphql(UPDATE, {"id": session["_id"], "info": {"notes": "x"}}, stranger)
        assert refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"  # type: ignore[index]

        server.stop(signal.SIGINT)


def _id_lookup_indexed(data_dir: Path, collection: str) -> bool:
    for database in (data_dir / "ferretdb" / "sqlite").glob("*.sqlite"):
        with contextlib.closing(sqlite3.connect(database)) as connection:
            tables = connection.execute(
                "SELECT table_name FROM _ferretdb_collections WHERE name = ?", (collection,)
            ).fetchall()
            indexes = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
            if any(table + SUFFIX in indexes for (table,) in tables):
                return True
    return False


def test_serve_without_mongodb_uri_runs_and_stops_its_own_ferretdb(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    with serve(data_dir) as server:
        match = re.search(r"embedded FerretDB.*?mongodb://127\.0\.0\.1:(\d+)/", server.output())
        assert match, server.output()
        assert "synchronous NORMAL" in match.group(0)  # what a power loss may cost (docs/design.md §4)
        port = int(match.group(1))
        assert port_is_open(port)
        assert (data_dir / "ferretdb" / "sqlite").is_dir()

        token = run("--data-dir", str(data_dir), "token", "--role", "BOOKINGS_ADMIN").stdout.strip()
        created = server.graphql(CREATE, {"info": SESSION_INFO}, token)
        assert "errors" not in created, created

        # A collection FerretDB creates after the start (on its first write) gets its `_id` lookup index.
        with MongoClient(f"mongodb://127.0.0.1:{port}/") as client:
            client["another"]["created_later"].insert_one({"_id": "x"})
        deadline = time.monotonic() + RECHECK_SECONDS + 10
        while not _id_lookup_indexed(data_dir, "created_later"):
            assert time.monotonic() < deadline, server.output()
            time.sleep(0.2)

        # SIGTERM is what `docker stop` and process managers send.
        server.stop(signal.SIGTERM)
        assert not port_is_open(port), "FerretDB outlived the server"


def test_serve_with_an_unreachable_database_exits_with_one_line(tmp_path: Path) -> None:
    uri = f"mongodb://127.0.0.1:{free_loopback_port()}/"
    result = run("--data-dir", str(tmp_path), "serve", "--port", str(free_loopback_port()), MONGODB_URI=uri)
    assert result.returncode != 0
    assert "Traceback" not in result.stdout + result.stderr
    assert "unavailable" in (result.stdout + result.stderr).lower()


# --- calendar feeds -------------------------------------------------------------------------------


async def test_feed_create_and_revoke_from_the_cli(
    api: Api, ferretdb: EmbeddedFerretDB, database_name: str
) -> None:
    """`feed create` mints a feed the running server serves; `feed revoke` stops it at once."""
    store = {"MONGODB_URI": ferretdb.uri, "MONGODB_DATABASE": database_name}
    created = run("feed", "create", "studio", "--include-private", **store)
    assert created.returncode == 0, created.stderr
    feed = json.loads(created.stdout)
    assert feed["scheduleId"] == "studio" and feed["url"].startswith("/calendars/studio.ics?token=")
    served = await api.client.get(feed["url"])
    assert served.status_code == 200 and served.text.startswith("BEGIN:VCALENDAR")

    revoked = run("feed", "revoke", feed["id"], **store)
    assert (revoked.returncode, revoked.stdout.strip()) == (0, f"revoked {feed['id']}")
    assert (await api.client.get(feed["url"])).status_code == 404
    again = run("feed", "revoke", feed["id"], **store)
    assert again.returncode == 1 and "no calendar feed" in again.stderr


def test_feed_needs_the_servers_database_and_a_schedule_id(tmp_path: Path) -> None:
    embedded = run("--data-dir", str(tmp_path), "feed", "create", "studio")
    assert_one_line_without_traceback(embedded, "MONGODB_URI")
    missing = run("feed", "create", MONGODB_URI="mongodb://127.0.0.1:1/")
    assert missing.returncode == 2 and "schedule" in missing.stderr
