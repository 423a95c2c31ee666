"""`sessionUpdated` over graphql-transport-ws, with a real WebSocket client against the live server."""

from __future__ import annotations

import json
import uuid

import pytest
from websockets.exceptions import ConnectionClosed

from tests.support.graphql import CREATE, DELETE, SESSION_UPDATED, UPDATE, session_query, single_session_info
from tests.support.live_server import LiveServer
from tests.support.websocket import open_connection, receive, subscribe_and_wait_until_live


async def test_staff_receive_every_change_to_their_schedule(live_server: LiveServer) -> None:
    schedule = f"schedule-{uuid.uuid4().hex[:8]}"
    socket = await open_connection(live_server, live_server.tokens.staff)
    try:
        assert (await receive(socket))["type"] == "connection_ack"
        await subscribe_and_wait_until_live(socket, live_server, schedule)

        # One write at a time: the feed publishes a session once per poll, as it is by then.
        created = (await live_server.data_async(CREATE, {"info": single_session_info(scheduleId=schedule)}))[
            "createSession"
        ]
        await live_server.data_async(CREATE, {"info": single_session_info(scheduleId="some-other-schedule")})
        events = [await receive(socket)]
        await live_server.data_async(UPDATE, {"id": created["_id"], "info": {"notes": "moved"}})
        events.append(await receive(socket))
        await live_server.data_async(DELETE, {"id": created["_id"]})
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


async def test_a_session_that_leaves_the_schedule_is_delivered_once_more(live_server: LiveServer) -> None:
    """Issue 21, 5: a subscriber to a schedule sees the session as it is after leaving (its new
    `scheduleId`), so it knows to drop it; later changes there are not its business."""
    schedule = f"schedule-{uuid.uuid4().hex[:8]}"
    socket = await open_connection(live_server, live_server.tokens.staff)
    try:
        assert (await receive(socket))["type"] == "connection_ack"
        await subscribe_and_wait_until_live(socket, live_server, schedule)
        created = (await live_server.data_async(CREATE, {"info": single_session_info(scheduleId=schedule)}))[
            "createSession"
        ]
        assert (await receive(socket))["payload"]["data"]["sessionUpdated"]["revision"] == 1
        await live_server.data_async(UPDATE, {"id": created["_id"], "info": {"scheduleId": "elsewhere"}})

        left = (await receive(socket))["payload"]["data"]["sessionUpdated"]

        assert (left["_id"], left["scheduleId"], left["revision"]) == (created["_id"], "elsewhere", 2)
        await live_server.data_async(UPDATE, {"id": created["_id"], "info": {"notes": "elsewhere now"}})
        with pytest.raises(TimeoutError):
            await receive(socket, wait=0.5)
        await socket.send(json.dumps({"id": "1", "type": "complete"}))
    finally:
        await socket.close()


async def test_anonymous_subscribers_are_refused(live_server: LiveServer) -> None:
    socket = await open_connection(live_server, None)
    try:
        assert (await receive(socket))["type"] == "connection_ack"
        await socket.send(json.dumps({"id": "a", "type": "subscribe", "payload": {"query": SESSION_UPDATED}}))

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


async def test_a_refused_field_over_websocket_carries_the_same_code_as_over_http(
    live_server: LiveServer,
) -> None:
    created = live_server.data(CREATE, {"info": single_session_info()})["createSession"]
    query = session_query("_id notes")
    over_http = live_server.post(query, {"id": created["_id"]}, token=None)
    socket = await open_connection(live_server, None)
    try:
        assert (await receive(socket))["type"] == "connection_ack"
        payload = {"query": query, "variables": {"id": created["_id"]}}
        await socket.send(json.dumps({"id": "q", "type": "subscribe", "payload": payload}))
        message = await receive(socket)
    finally:
        await socket.close()

    assert message["type"] == "next", message
    assert (
        message["payload"]["data"] == over_http["data"] == {"session": {"_id": created["_id"], "notes": None}}
    )
    [http_error] = over_http["errors"]
    [ws_error] = message["payload"]["errors"]
    assert http_error["extensions"]["code"] == "FORBIDDEN"
    assert ws_error["extensions"] == http_error["extensions"]
    assert ws_error["message"] == http_error["message"]


async def test_a_token_with_a_role_the_server_does_not_know_closes_the_connection_with_4403(
    live_server: LiveServer,
) -> None:
    # As docs/permissions.md says: refused like any invalid token (over HTTP: UNAUTHENTICATED).
    socket = await open_connection(live_server, live_server.tokens.make("BOOKINGS_STAFF", "SUPERUSER"))
    with pytest.raises(ConnectionClosed) as closed:
        await receive(socket)

    assert closed.value.rcvd is not None
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4403, "Forbidden")


async def test_a_token_with_no_roles_is_a_caller_without_roles(live_server: LiveServer) -> None:
    socket = await open_connection(live_server, live_server.tokens.make())
    try:
        assert (await receive(socket))["type"] == "connection_ack"
        await socket.send(json.dumps({"id": "a", "type": "subscribe", "payload": {"query": SESSION_UPDATED}}))
        message = await receive(socket)
    finally:
        await socket.close()

    assert message["type"] == "error", message
    assert message["payload"][0]["extensions"]["code"] == "FORBIDDEN"
