"""Subscriptions through the client the docs name: graphql-ws from npm (tests/node/subscribe.mjs)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from bookings_sessions.auth import LEEWAY_SECONDS, sign_token
from bookings_sessions.domain.callers import Role
from bookings_sessions.settings import Settings
from tests.support.live_server import LiveServer, run_node

# The server accepts a token until `exp` + the verification leeway; this one is accepted for ~6 s more.
SECONDS_LEFT = 6


def subscribe(server: LiveServer, subscriber: str, *flags: str) -> dict[str, Any]:
    schedule = f"schedule-{uuid.uuid4().hex[:8]}"
    result: dict[str, Any] = run_node(
        "subscribe.mjs", server.ws_url, server.graphql_url, subscriber, server.tokens.admin, schedule, *flags
    )
    assert {session["scheduleId"] for session in result["sessions"]} <= {schedule}, result
    return result


def test_graphql_ws_receives_a_change_with_its_notes(live_server: LiveServer) -> None:
    result = subscribe(live_server, live_server.tokens.staff)

    assert result["errors"] == [] and result["closed"] is None, result
    change = [session for session in result["sessions"] if session["_id"] == result["changeId"]]
    assert [(session["notes"], session["revision"]) for session in change] == [("the change", 1)], result


def test_the_server_ends_a_subscription_when_its_token_expires(
    live_server: LiveServer, tmp_path: Path
) -> None:
    settings = Settings(jwt_secret=SecretStr(live_server.tokens.secret), data_dir=tmp_path)
    short_lived = sign_token(
        settings, [Role.BOOKINGS_STAFF], subject="short-lived", ttl_seconds=SECONDS_LEFT - LEEWAY_SECONDS
    )

    result = subscribe(live_server, short_lived, "--until-closed")

    assert [s["notes"] for s in result["sessions"] if s["_id"] == result["changeId"]] == ["the change"]
    assert result["closed"] == {"code": 4403, "reason": "Forbidden: token expired"}, result
    assert "after the close" not in [session["notes"] for session in result["sessions"]], result
