"""Hostile requests (issue 13): oversized bodies and messages, bodies of the wrong shape, subscriptions
over HTTP, malformed federation representations. Each is a client error with a code, never a 500."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from starlette.types import ASGIApp, Message
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.support.api import Api
from tests.support.live_server import LiveServer

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON_BODY = {"Content-Type": "application/json"}


def only_error(body: dict[str, Any]) -> dict[str, Any]:
    assert "data" not in body, body
    [error] = body["errors"]
    assert isinstance(error, dict)
    return error


# --- request bodies --------------------------------------------------------------------------------


class Chunks:
    """A request body that streams `count` chunks and remembers how many the server pulled."""

    def __init__(self, count: int, size: int) -> None:
        self.count, self.size, self.sent = count, size, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield b'{"query": "{ __typename }", "pad": "'
        for _ in range(self.count):
            self.sent += 1
            yield b"x" * self.size
        yield b'"}'


class TestRequestBodies:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"max_request_bytes": 4096}

    async def test_a_declared_length_over_the_limit_is_refused_unread(self, api: Api) -> None:
        body = Chunks(count=100, size=1_000_000)  # 100 MB announced, never sent
        headers = {**JSON_BODY, "Content-Length": str(100 * 1_000_000 + 39)}

        response = await api.client.post("/graphql", content=body, headers=headers)

        assert response.status_code == 413
        error = only_error(response.json())
        assert error["extensions"] == {"code": "PAYLOAD_TOO_LARGE"}
        assert "4096 bytes" in error["message"]
        assert body.sent == 0

    async def test_a_chunked_body_is_cut_off_once_it_passes_the_limit(self, api: Api) -> None:
        body = Chunks(count=100_000, size=1000)  # 100 MB, streamed without a length

        response = await api.client.post("/graphql", content=body, headers=JSON_BODY)

        assert response.status_code == 413
        assert only_error(response.json())["extensions"] == {"code": "PAYLOAD_TOO_LARGE"}
        assert body.sent <= 5

    async def test_a_body_at_the_limit_is_answered(self, api: Api) -> None:
        prefix = b'{"query": "{ __typename }", "pad": "'
        exactly = prefix + b"x" * (4096 - len(prefix) - 2) + b'"}'
        assert len(exactly) == 4096

        at_limit = await api.client.post("/graphql", content=exactly, headers=JSON_BODY)
        over = await api.client.post("/graphql", content=exactly[:-2] + b'x"}', headers=JSON_BODY)

        assert at_limit.json() == {"data": {"__typename": "Query"}}
        assert over.status_code == 413

    async def test_a_websocket_message_over_the_limit_closes_the_socket(self, api: Api) -> None:
        # In process, without uvicorn and its frame limit: the app's own bound must close the socket.
        sent = await websocket_exchange(
            api.app,
            [
                {"type": "connection_init", "payload": {}},
                {"type": "ping", "payload": {"pad": "x" * 4000}},
                {"type": "ping", "payload": {"pad": "x" * 5000}},
            ],
        )

        assert [message["type"] for message in sent] == [
            "websocket.accept",
            "websocket.send",  # connection_ack
            "websocket.send",  # pong: 4 KB is within the limit
            "websocket.close",
        ]
        assert sent[-1]["code"] == 1009


async def websocket_exchange(app: ASGIApp, messages: list[dict[str, Any]]) -> list[Message]:
    """Drives one graphql-transport-ws connection through the ASGI app: what the app sent, until it ends."""
    inbox: asyncio.Queue[Message] = asyncio.Queue()
    await inbox.put({"type": "websocket.connect"})
    for message in messages:
        await inbox.put({"type": "websocket.receive", "text": json.dumps(message)})
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "websocket",
        "asgi": {"version": "3.0"},
        "scheme": "ws",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), (b"sec-websocket-protocol", b"graphql-transport-ws")],
        "subprotocols": ["graphql-transport-ws"],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    await asyncio.wait_for(app(scope, inbox.get, send), 10)
    return sent


async def test_websocket_messages_over_the_limit_close_the_socket(live_server: LiveServer) -> None:
    # The live server runs `bookings-sessions serve` with the default MAX_REQUEST_BYTES (1 MiB), which the
    # CLI hands to uvicorn as ws_max_size: uvicorn refuses the frame (its reason names the limit) before
    # the app could buffer it.
    async with connect(live_server.ws_url, subprotocols=["graphql-transport-ws"]) as socket:  # type: ignore[list-item]
        await socket.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(await asyncio.wait_for(socket.recv(), 5))["type"] == "connection_ack"
        await socket.send(json.dumps({"type": "ping", "payload": {"pad": "x" * 1_100_000}}))
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(socket.recv(), 5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
    assert "1048576" in closed.value.rcvd.reason


# --- bodies of the wrong shape -----------------------------------------------------------------------


@pytest.mark.parametrize("body", [b"null", b'"x"', b"[1]", b"3", b" true "], ids=lambda b: b.decode().strip())
async def test_a_json_body_that_is_not_an_object_is_a_bad_request(api: Api, body: bytes) -> None:
    response = await api.client.post("/graphql", content=body, headers=JSON_BODY)

    assert response.status_code == 400
    error = only_error(response.json())
    assert error["extensions"] == {"code": "BAD_REQUEST"}
    assert error["message"] == 'The request body must be a JSON object, e.g. {"query": "{ __typename }"}'


# --- subscriptions over HTTP ---------------------------------------------------------------------------

SUBSCRIPTION = "subscription { sessionUpdated { _id } }"


@pytest.mark.parametrize("accept", [GRAPHQL_RESPONSE, "application/json"])
async def test_a_subscription_over_http_is_a_bad_request(api: Api, accept: str) -> None:
    headers = {"Accept": accept}
    over_post = await api.client.post("/graphql", json={"query": SUBSCRIPTION}, headers=headers)
    over_get = await api.client.get("/graphql", params={"query": SUBSCRIPTION}, headers=headers)

    for response in (over_post, over_get):
        assert response.status_code == 400, response.text
        error = only_error(response.json())
        assert error["extensions"] == {"code": "BAD_REQUEST"}
        assert "WebSocket" in error["message"]


# --- federation representations ------------------------------------------------------------------------

ENTITIES = """
query Entities($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on Session { _id } }
}
"""

BAD_REPRESENTATIONS = {
    "unknown-typename": ({"__typename": "Booking", "_id": "x"}, "__typename"),
    "not-an-entity": ({"__typename": "PageInfo", "_id": "x"}, "__typename"),
    "scalar-typename": ({"__typename": "String", "_id": "x"}, "__typename"),
    "no-typename": ({"_id": "x"}, "__typename"),
    "typename-not-a-string": ({"__typename": ["Session"], "_id": "x"}, "__typename"),
    "no-id": ({"__typename": "Session"}, "_id"),
    "id-a-number": ({"__typename": "Session", "_id": 3}, "_id"),
    "id-an-object": ({"__typename": "Session", "_id": {"$ne": None}}, "_id"),
    "not-an-object": ("Session", "representation"),
}


@pytest.mark.parametrize(
    ("representation", "named"), BAD_REPRESENTATIONS.values(), ids=list(BAD_REPRESENTATIONS)
)
async def test_a_malformed_representation_is_bad_user_input_without_a_traceback(
    api: Api, caplog: pytest.LogCaptureFixture, representation: object, named: str
) -> None:
    session = await api.create_single()
    representations = [{"__typename": "Session", "_id": session["_id"]}, representation]

    with caplog.at_level(logging.ERROR):
        body = await api.post(ENTITIES, {"representations": representations}, api.tokens.admin)

    assert body["data"] == {"_entities": [{"_id": session["_id"]}, None]}
    [error] = body["errors"]
    assert error["path"] == ["_entities", 1]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert named in error["message"]
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
