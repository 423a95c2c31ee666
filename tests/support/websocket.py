"""A graphql-transport-ws client on a real WebSocket, for the `sessionUpdated` tests against live servers."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from .graphql import CREATE, SESSION_UPDATED, single_session_info
from .live_server import LiveServer

PROTOCOL = "graphql-transport-ws"


async def receive(socket: ClientConnection, wait: float = 5.0) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await asyncio.wait_for(socket.recv(), wait))
    return message


async def open_connection(server: LiveServer, token: str | None) -> ClientConnection:
    """A connection with `connection_init` sent (the test receives the ack); without a token, anonymous."""
    socket = await connect(server.ws_url, subprotocols=[PROTOCOL])  # type: ignore[list-item]
    payload = {"Authorization": f"Bearer {token}"} if token else {}
    await socket.send(json.dumps({"type": "connection_init", "payload": payload}))
    return socket


async def subscribe_and_wait_until_live(socket: ClientConnection, server: LiveServer, schedule: str) -> None:
    """Subscribes (id "1"), then writes probe sessions through `server` until one arrives: from then on
    nothing can be missed."""
    variables = {"scheduleId": schedule}
    await socket.send(
        json.dumps(
            {"id": "1", "type": "subscribe", "payload": {"query": SESSION_UPDATED, "variables": variables}}
        )
    )
    probes: list[str] = []
    for _attempt in range(50):
        created = await server.data_async(
            CREATE, {"info": single_session_info(scheduleId=schedule, notes="probe")}
        )
        probes.append(created["createSession"]["_id"])
        try:
            message = await receive(socket, wait=0.2)
        except TimeoutError:
            continue
        assert message["type"] == "next", message
        # The feed keeps write order, so what may still come is exactly the probes written after the
        # first one delivered: wait for those (however slow the feed is), then nothing else is pending.
        first = message["payload"]["data"]["sessionUpdated"]["_id"]
        pending = set(probes[probes.index(first) + 1 :])
        while pending:
            late = await receive(socket, wait=10)
            pending.discard(late["payload"]["data"]["sessionUpdated"]["_id"])
        return
    raise AssertionError("the subscription never delivered a probe")
