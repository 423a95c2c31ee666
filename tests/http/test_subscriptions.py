"""`sessionUpdated` over graphql-transport-ws, with a real WebSocket client against the live server."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from ..api.conftest import ADMIN, STAFF
from ..api.queries import CREATE, DELETE, UPDATE, single_session_info
from ..live_server import LiveServer

PROTOCOL = "graphql-transport-ws"
SUBSCRIPTION = """
subscription Updates($scheduleId: String) {
  sessionUpdated(scheduleId: $scheduleId) { _id scheduleId status notes revision }
}
"""


async def post(server: LiveServer, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    async with httpx.AsyncClient() as client:
        response = await client.post(
            server.graphql_url,
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {ADMIN}"},
        )
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    return body["data"]


async def receive(socket: ClientConnection, wait: float = 5.0) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await asyncio.wait_for(socket.recv(), wait))
    return message


async def open_connection(server: LiveServer, token: str | None) -> ClientConnection:
    socket = await connect(server.ws_url, subprotocols=[PROTOCOL])  # type: ignore[list-item]
    payload = {"Authorization": f"Bearer {token}"} if token else {}
    await socket.send(json.dumps({"type": "connection_init", "payload": payload}))
    return socket


async def subscribe_and_wait_until_live(socket: ClientConnection, server: LiveServer, schedule: str) -> None:
    """Subscribes, then writes probe sessions until one arrives: from then on nothing can be missed."""
    variables = {"scheduleId": schedule}
    await socket.send(
        json.dumps(
            {"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIPTION, "variables": variables}}
        )
    )
    for _attempt in range(50):
        await post(server, CREATE, {"info": single_session_info(scheduleId=schedule, notes="probe")})
        try:
            message = await receive(socket, wait=0.2)
        except TimeoutError:
            continue
        assert message["type"] == "next", message
        while True:  # drain probes that were already on their way
            try:
                await receive(socket, wait=0.3)
            except TimeoutError:
                return
    raise AssertionError("the subscription never delivered a probe")


async def test_staff_receive_every_change_to_their_schedule(live_server: LiveServer) -> None:
    schedule = f"schedule-{uuid.uuid4().hex[:8]}"
    socket = await open_connection(live_server, STAFF)
    try:
        assert (await receive(socket))["type"] == "connection_ack"
        await subscribe_and_wait_until_live(socket, live_server, schedule)

        # One write at a time: the feed publishes a session once per poll, as it is by then.
        created = (await post(live_server, CREATE, {"info": single_session_info(scheduleId=schedule)}))[
            "createSession"
        ]
        await post(live_server, CREATE, {"info": single_session_info(scheduleId="some-other-schedule")})
        events = [await receive(socket)]
        await post(live_server, UPDATE, {"id": created["_id"], "info": {"notes": "moved"}})
        events.append(await receive(socket))
        await post(live_server, DELETE, {"id": created["_id"]})
        events.append(await receive(socket))

        assert all(event["type"] == "next" and event["id"] == "1" for event in events), events
        sessions = [event["payload"]["data"]["sessionUpdated"] for event in events]
        assert [s["_id"] for s in sessions] == [created["_id"]] * 3
        assert [s["revision"] for s in sessions] == [1, 2, 3]
        assert [s["status"] for s in sessions] == ["CONFIRMED", "CONFIRMED", "CANCELLED"]
        assert sessions[1]["notes"] == "moved"
        assert {s["scheduleId"] for s in sessions} == {schedule}
        with pytest.raises(TimeoutError):  # the other schedule's session was not delivered
            await receive(socket, wait=0.5)

        await socket.send(json.dumps({"id": "1", "type": "complete"}))
    finally:
        await socket.close()


async def test_anonymous_subscribers_are_refused(live_server: LiveServer) -> None:
    socket = await open_connection(live_server, None)
    try:
        assert (await receive(socket))["type"] == "connection_ack"
        await socket.send(json.dumps({"id": "a", "type": "subscribe", "payload": {"query": SUBSCRIPTION}}))

        message = await receive(socket)

        assert message["type"] == "error" and message["id"] == "a", message
        assert message["payload"][0]["extensions"]["code"] == "FORBIDDEN"
        assert message["payload"][0]["path"] == ["sessionUpdated"]
    finally:
        await socket.close()


async def test_a_bad_token_closes_the_connection_with_4403(live_server: LiveServer) -> None:
    socket = await open_connection(live_server, "not-a-jwt")
    with pytest.raises(ConnectionClosed) as closed:
        await receive(socket)

    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403
