"""What the bench sends: GraphQL documents, seed data, tokens, and the checks that the load did real work."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jwt
from pymongo import MongoClient

from .procs import graphql, request

FIELDS = """
  _id scheduleId scheduleOwnerId tags notes status type recurrence revision updatedDate
  start { timestamp timeZone localDateTime { year monthOfYear dayOfMonth hourOfDay minutesOfHour } }
  end { timestamp timeZone localDateTime { year monthOfYear dayOfMonth hourOfDay minutesOfHour } }
"""
CREATE = f"mutation Create($info: CreateSessionInfo!) {{ createSession(sessionInfo: $info) {{ {FIELDS} }} }}"
GET = f"query Get($id: ID!) {{ session(id: $id) {{ {FIELDS} }} }}"
UPDATE = (
    "mutation Update($id: ID!, $info: UpdateSessionInfo!) "
    f"{{ updateSession(sessionId: $id, sessionInfo: $info) {{ {FIELDS} }} }}"
)
PAGE = (
    "query Page($filter: SessionFilterInput, $window: TimeWindow, $first: Int) "
    "{ sessions(filter: $filter, window: $window, first: $first) "
    f"{{ edges {{ cursor node {{ {FIELDS} }} }} pageInfo {{ hasNextPage endCursor }} }} }}"
)
TYPENAME_BODY = json.dumps({"query": "{ __typename }"})
# Documents written round-robin, far more than the connections: FerretDB 1.x (SQLite) does not apply
# find_one_and_update atomically, so two in-flight writes to one document could lose an update (and
# make the revision check below fail). A request would have to stall for POOL turns for that to happen.
POOL = 512
SERIES_POOL = 128
SCHEDULE = "4b21a5af-3b69-42ce-a3ba-9cf60d7b4422"
# The listing row's week: the seeded singles put ~18 a day on SCHEDULE, so a page of 50 is full.
WEEK = {"from": "2026-03-02T00:00:00Z", "to": "2026-03-09T00:00:00Z"}
# createSession rows write to their own schedule, deleted after each row: the collection (which FerretDB
# scans whole for a listing) keeps its size for every later row and for the other server.
CREATE_SCHEDULE = "0e7d3c1a-bench-create"


def token(secret: str, *roles: str) -> str:
    now = int(time.time())
    claims = {"sub": "bench", "roles": list(roles), "iat": now, "exp": now + 3600}
    return jwt.encode(claims, secret, algorithm="HS256")


def get_body(session_id: str) -> str:
    return json.dumps({"query": GET, "variables": {"id": session_id}})


def page_body(schedule_id: str = SCHEDULE, window: dict[str, str] | None = None, first: int = 50) -> str:
    variables = {"filter": {"scheduleId": schedule_id}, "window": window or WEEK, "first": first}
    return json.dumps({"query": PAGE, "variables": variables})


def create_body() -> str:
    info = {**_single_info(0), "scheduleId": CREATE_SCHEDULE, "notes": "bench create"}
    return json.dumps({"query": CREATE, "variables": {"info": info}})


def notes_update_body() -> str:
    """__ID__/__N__ are filled in per request by the load generator (a never-sent-before value)."""
    return json.dumps({"query": UPDATE, "variables": {"id": "__ID__", "info": {"notes": "__N__"}}})


def series_update_body() -> str:
    # Notes are refused on a series (BAD_USER_INPUT), so the series update changes its tags instead.
    return json.dumps({"query": UPDATE, "variables": {"id": "__ID__", "info": {"tags": ["__N__"]}}})


def _single_info(index: int) -> dict[str, Any]:
    day = 1 + index % 28
    return {
        "scheduleId": SCHEDULE,
        "scheduleOwnerId": "49c7fac5-227c-44d0-a4f3-c1a5c511edf1",
        "start": {"timestamp": f"2026-03-{day:02d}T15:00:00.000Z"},
        "end": {"timestamp": f"2026-03-{day:02d}T16:00:00.000Z"},
        "tags": ["INDIVIDUAL"],
        "type": "EVENT",
        "notes": f"seed {uuid.uuid4().hex[:8]}",
    }


def _series_info(index: int) -> dict[str, Any]:
    def local(hour: int) -> dict[str, int]:
        return {"year": 2026, "monthOfYear": 1, "dayOfMonth": 5, "hourOfDay": hour, "minutesOfHour": 0}

    return {
        "scheduleId": SCHEDULE,
        "start": {"localDateTime": local(8 + index % 8), "timeZone": "Europe/Berlin"},
        "end": {"localDateTime": local(9 + index % 8), "timeZone": "Europe/Berlin"},
        "recurrence": "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,WE",
        "tags": ["GROUP"],
        "type": "EVENT",
    }


def _create(port: int, admin: str, info: dict[str, Any]) -> tuple[str | None, dict[str, Any], str]:
    body = graphql(port, CREATE, {"info": info}, admin)
    if body.get("errors"):
        return None, {}, str(body["errors"][0].get("message"))
    created: dict[str, Any] = body["data"]["createSession"]
    return str(created["_id"]), created, ""


def seed_singles(port: int, admin: str, ids_file: Path) -> list[str]:
    ids = []
    for index in range(POOL):
        session_id, _, error = _create(port, admin, _single_info(index))
        if session_id is None:
            raise RuntimeError(f"createSession failed while seeding: {error}")
        ids.append(session_id)
    ids_file.write_text("\n".join(ids) + "\n")
    return ids


def seed_series(port: int, admin: str, ids_file: Path) -> tuple[list[str], str]:
    """Series ids, or ([], why) when recurring sessions cannot be created yet: the row is then n/a."""
    ids = []
    for index in range(SERIES_POOL):
        session_id, created, error = _create(port, admin, _series_info(index))
        if session_id is None:
            return [], f"createSession with recurrence fails: {error}"
        if not created.get("recurrence"):
            return [], "createSession ignores recurrence (it returned a single session)"
        ids.append(session_id)
    ids_file.write_text("\n".join(ids) + "\n")
    return ids, ""


def check_ok(
    port: int, body_text: str, token_value: str | None, ids: list[str] | None = None
) -> dict[str, Any]:
    """One request outside the load: the scenario must answer data, not errors, before we time it."""
    if ids:  # a write template: fill it in the way the load generator will
        body_text = body_text.replace("__ID__", ids[0]).replace("__N__", f"probe-{uuid.uuid4().hex[:8]}")
    payload = json.loads(body_text)
    body = graphql(port, payload["query"], payload.get("variables"), token_value)
    if body.get("errors") or not body.get("data"):
        raise RuntimeError(f"probe failed: {json.dumps(body)[:300]}")
    data: dict[str, Any] = body["data"]
    return data


def check_get(port: int, path: str) -> dict[str, Any]:
    """One GET outside the load (a calendar feed): it must answer 200 with a body before we time it."""
    status, body = request(port, "GET", path)
    if status != 200 or not body:
        raise RuntimeError(f"probe failed: GET answered {status}: {body[:300]!r}")
    return {"bytes": len(body)}


def comparable(value: Any) -> Any:
    """An answer with what may differ between two correct servers taken out: cursors are opaque, and
    `2026-03-01T15:00:00+00:00` and `2026-03-01T15:00:00.000Z` are the same DateTime."""
    if isinstance(value, dict):
        return {key: comparable(item) for key, item in value.items() if key not in ("cursor", "endCursor")}
    if isinstance(value, list):
        return [comparable(item) for item in value]
    if isinstance(value, str) and len(value) >= 20 and value[4:5] == "-" and value[10:11] == "T":
        try:
            return datetime.fromisoformat(value).astimezone(UTC).isoformat()
        except ValueError:
            return value
    return value


def difference(ours: Any, peer: Any, path: str = "data") -> str | None:
    """Where two comparable answers first differ, or None."""
    if isinstance(ours, dict) and isinstance(peer, dict):
        for key in sorted(ours.keys() | peer.keys()):
            found = difference(ours.get(key), peer.get(key), f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(ours, list) and isinstance(peer, list):
        if len(ours) != len(peer):
            return f"{path}: {len(ours)} items vs {len(peer)}"
        for index, (left, right) in enumerate(zip(ours, peer, strict=True)):
            found = difference(left, right, f"{path}[{index}]")
            if found:
                return found
        return None
    return None if ours == peer else f"{path}: {json.dumps(ours)[:80]} vs {json.dumps(peer)[:80]}"


def settled(count: Callable[[], int], timeout: float = 5.0) -> int:
    """A count once it stops moving: requests a load generator abandoned at its deadline still land."""
    deadline = time.monotonic() + timeout
    last = count()
    while time.monotonic() < deadline:
        time.sleep(0.25)
        now = count()
        if now == last:
            return now
        last = now
    return last


class Revisions:
    """What writes leave behind: every successful update adds one to the pool's `revision` sum, every
    successful create one document to CREATE_SCHEDULE."""

    def __init__(self, uri: str, database: str) -> None:
        self.client: MongoClient[dict[str, Any]] = MongoClient(uri, serverSelectionTimeoutMS=3000)
        self.sessions = self.client[database]["sessions"]

    def total(self, ids: list[str]) -> int:
        docs = self.sessions.find({"_id": {"$in": ids}}, {"revision": 1})
        return sum(int(doc.get("revision", 0)) for doc in docs)

    def settled(self, ids: list[str], timeout: float = 5.0) -> int:
        return settled(lambda: self.total(ids), timeout)

    def created(self) -> int:
        return int(self.sessions.count_documents({"scheduleId": CREATE_SCHEDULE}))

    def drop_created(self) -> None:
        self.sessions.delete_many({"scheduleId": CREATE_SCHEDULE})

    def drop_schedules(self, schedule_ids: tuple[str, ...]) -> None:
        # Exception documents name no schedule: they go with their series.
        series = self.sessions.distinct("_id", {"scheduleId": {"$in": list(schedule_ids)}, "kind": "series"})
        self.sessions.delete_many({"kind": "instance", "recurringSessionId": {"$in": series}})
        self.sessions.delete_many({"scheduleId": {"$in": list(schedule_ids)}})

    def close(self) -> None:
        self.client.close()
