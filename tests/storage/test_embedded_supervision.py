"""`serve` without MONGODB_URI supervises its FerretDB child: killed, it is reaped and started again.

A live server with the embedded store (tests/support/live_server.py); the child's pid comes from the start log
line, as an operator would find it.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

import httpx

from tests.support.graphql import CREATE, GET, single_session_info
from tests.support.live_server import LiveServer, running_server
from tests.support.tokens import Tokens

PATIENCE = 60.0  # seconds of readiness probes before the test gives up: a bound, not a speed requirement


def ferretdb_pids(server: LiveServer) -> list[int]:
    """The child's pid from every start and restart line, in order."""
    records = server.log_records()
    return [record["ferretdb_pid"] for record in records if record.get("event") == "ferretdb_started"]


def readiness(server: LiveServer) -> tuple[int, Any]:
    response = httpx.get(f"{server.url}/readyz", timeout=10)
    return response.status_code, response.json()


def is_zombie_child(pid: int, parent: int) -> bool:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return False
    state, parent_pid = fields[0], int(fields[1])
    return state == "Z" and parent_pid == parent


def test_a_killed_embedded_database_is_reaped_restarted_and_serves_again(
    tmp_path: Path, tokens: Tokens
) -> None:
    with running_server("", tmp_path, tokens) as server:  # no MONGODB_URI: the embedded store
        [first_pid] = ferretdb_pids(server)
        before = server.data(CREATE, {"info": single_session_info(notes="before the crash")})["createSession"]

        os.kill(first_pid, signal.SIGKILL)
        statuses = []
        give_up = time.monotonic() + PATIENCE
        while time.monotonic() < give_up:
            statuses.append(readiness(server))
            if statuses[-1][0] == 200 and any(status == 503 for status, _ in statuses):
                break
            time.sleep(0.1)

        codes = [status for status, _ in statuses]
        assert 503 in codes and codes[-1] == 200, statuses
        after = server.data(CREATE, {"info": single_session_info(notes="after the restart")})["createSession"]
        assert server.data(GET, {"id": before["_id"]})["session"]["notes"] == "before the crash"
        assert server.data(GET, {"id": after["_id"]})["session"]["notes"] == "after the restart"
        pids = ferretdb_pids(server)
        assert len(pids) == 2 and pids[1] != first_pid, pids
        assert not is_zombie_child(first_pid, server.process.pid)
        exits = [record for record in server.log_records() if record.get("event") == "ferretdb_exited"]
        assert [(record["ferretdb_pid"], record["exit_code"]) for record in exits] == [
            (first_pid, -signal.SIGKILL)
        ]
        assert "was killed by SIGKILL" in exits[0]["message"]
