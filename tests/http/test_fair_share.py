"""One client address cannot take the server from the others (issue 26).

A server of its own with small caps (tests/support/live_server.py). The greedy client binds its sockets
to 127.0.0.2, the others to 127.0.0.3 and up: the server tells clients apart by address. Each greedy
phase opens several times what one address may hold, and more than the server-wide caps, so without a
per-address share the other clients would get 503.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from bookings_sessions.storage.ferretdb import EmbeddedFerretDB
from tests.support.live_server import LiveServer, running_server
from tests.support.tokens import Tokens
from tests.support.websocket import PROTOCOL

GREEDY = "127.0.0.2"
OTHER = "127.0.0.3"
PROXY = "127.0.0.4"
PER_CLIENT_CONNECTIONS = 4
PER_CLIENT_WEBSOCKETS = 3
MAX_CONNECTIONS = 12
MAX_WEBSOCKETS = 8
BODY_TIMEOUT = 2
WEBSOCKET_IDLE = 3
# Several times the greedy client's share, and more than either server-wide cap.
GREEDY_SOCKETS = 30
# The other clients' answers must come this fast while the greedy one holds what it can.
PROMPT = 1.0
PATIENCE = 15.0


@pytest.fixture(scope="module")
def shared_server(
    ferretdb: EmbeddedFerretDB, tmp_path_factory: pytest.TempPathFactory, tokens: Tokens
) -> Iterator[LiveServer]:
    with running_server(
        ferretdb.uri,
        Path(tmp_path_factory.mktemp("fair-share-server")),
        tokens,
        HEADER_TIMEOUT_SECONDS="2",
        BODY_TIMEOUT_SECONDS=str(BODY_TIMEOUT),
        WEBSOCKET_IDLE_SECONDS=str(WEBSOCKET_IDLE),
        MAX_CONNECTIONS=str(MAX_CONNECTIONS),
        MAX_WEBSOCKETS=str(MAX_WEBSOCKETS),
        MAX_CONNECTIONS_PER_CLIENT=str(PER_CLIENT_CONNECTIONS),
        MAX_WEBSOCKETS_PER_CLIENT=str(PER_CLIENT_WEBSOCKETS),
        TRUSTED_PROXIES=PROXY,
    ) as server:
        yield server


def server_address(server: LiveServer) -> tuple[str, int]:
    host, port = server.url.removeprefix("http://").split(":")
    return host, int(port)


def open_socket(server: LiveServer, source: str) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.settimeout(PATIENCE)
    sock.bind((source, 0))
    sock.connect(server_address(server))
    return sock


async def answered_promptly(server: LiveServer, source: str = OTHER) -> None:
    """A read and a GraphQL query from `source`, each answered 200 within PROMPT seconds."""
    transport = httpx.AsyncHTTPTransport(local_address=source)
    async with httpx.AsyncClient(transport=transport, timeout=PATIENCE) as client:
        for request in (
            client.build_request("GET", f"{server.url}/healthz"),
            client.build_request("POST", server.graphql_url, json={"query": "{ __typename }"}),
        ):
            began = time.monotonic()
            response = await client.send(request)
            took = time.monotonic() - began
            assert response.status_code == 200, (response.status_code, response.text)
            assert took < PROMPT, took


async def open_websocket(
    server: LiveServer, source: str, headers: dict[str, str] | None = None
) -> ClientConnection:
    """A WebSocket past connection_init with an empty payload: anonymous, subscribed to nothing."""
    ws = await connect(
        server.ws_url,
        subprotocols=[PROTOCOL],  # type: ignore[list-item]
        local_addr=(source, 0),
        additional_headers=headers,
        open_timeout=PATIENCE,
    )
    await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
    assert json.loads(await asyncio.wait_for(ws.recv(), PATIENCE))["type"] == "connection_ack"
    return ws


@contextlib.asynccontextmanager
async def websockets_held(
    server: LiveServer, source: str, count: int, headers: dict[str, str] | None = None
) -> AsyncIterator[tuple[list[ClientConnection], list[int]]]:
    """Tries `count` WebSockets from `source`: those accepted, and the statuses of those refused."""
    held: list[ClientConnection] = []
    refused: list[int] = []
    try:
        for _ in range(count):
            try:
                held.append(await open_websocket(server, source, headers))
            except InvalidStatus as error:
                refused.append(error.response.status_code)
        yield held, refused
    finally:
        for ws in held:
            await ws.close()


async def test_idle_websockets_from_one_address_leave_room_for_others(shared_server: LiveServer) -> None:
    async with websockets_held(shared_server, GREEDY, GREEDY_SOCKETS) as (held, refused):
        assert len(held) == PER_CLIENT_WEBSOCKETS
        assert set(refused) == {429}, refused
        await answered_promptly(shared_server)
        async with websockets_held(shared_server, OTHER, 1) as (others, _):
            assert len(others) == 1


def slow_upload(server: LiveServer, source: str) -> socket.socket | None:
    """Headers of a 1,000-byte POST and its first byte; None if the server refused the connection."""
    sock = open_socket(server, source)
    try:
        sock.sendall(
            b"POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            b"Content-Length: 1000\r\n\r\n{"
        )
    except (ConnectionResetError, BrokenPipeError):
        sock.close()
        return None
    return sock


def read_until_closed(sock: socket.socket) -> bytes:
    received = b""
    with contextlib.suppress(ConnectionResetError):
        while chunk := sock.recv(4096):
            received += chunk
    return received


async def test_slow_uploads_from_one_address_leave_room_for_others_and_are_cut_off(
    shared_server: LiveServer,
) -> None:
    uploads = [sock for _ in range(GREEDY_SOCKETS) if (sock := slow_upload(shared_server, GREEDY))]
    try:
        await answered_promptly(shared_server)
        began = time.monotonic()
        answers = await asyncio.gather(*(asyncio.to_thread(read_until_closed, sock) for sock in uploads))
        took = time.monotonic() - began
    finally:
        for sock in uploads:
            sock.close()

    # Those within the share waited for their body and got 408; the others were refused at once (429,
    # or a reset: the server closed before reading what they sent).
    timed_out = [answer for answer in answers if answer.startswith(b"HTTP/1.1 408 ")]
    assert len(timed_out) == PER_CLIENT_CONNECTIONS, answers
    assert all(answer[:13] in (b"HTTP/1.1 408 ", b"HTTP/1.1 429 ", b"") for answer in answers), answers
    assert took < BODY_TIMEOUT + PATIENCE / 3


async def test_a_churn_of_silent_sockets_from_one_address_leaves_room_for_others(
    shared_server: LiveServer,
) -> None:
    opened: list[socket.socket] = []
    try:
        for _round in range(4):  # a new batch every 0.5 s, for longer than the header timeout
            for _ in range(GREEDY_SOCKETS):
                with contextlib.suppress(ConnectionResetError):
                    opened.append(open_socket(shared_server, GREEDY))
            await answered_promptly(shared_server)
            await asyncio.sleep(0.5)
    finally:
        for sock in opened:
            sock.close()


async def test_an_anonymous_websocket_without_subscriptions_is_closed_when_idle(
    shared_server: LiveServer,
) -> None:
    ws = await open_websocket(shared_server, OTHER)
    began = time.monotonic()
    with pytest.raises(ConnectionClosed) as closed:
        await asyncio.wait_for(ws.recv(), PATIENCE)

    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1000, closed.value
    assert WEBSOCKET_IDLE - 0.5 < time.monotonic() - began < WEBSOCKET_IDLE + 3


async def test_websockets_and_requests_are_capped_separately(shared_server: LiveServer) -> None:
    sources = [f"127.0.0.{host}" for host in range(10, 14)]  # enough addresses to reach MAX_WEBSOCKETS
    async with contextlib.AsyncExitStack() as stack:
        statuses: list[int] = []
        for source in sources:
            _, refused = await stack.enter_async_context(
                websockets_held(shared_server, source, PER_CLIENT_WEBSOCKETS)
            )
            statuses += refused
        assert statuses.count(503) == len(sources) * PER_CLIENT_WEBSOCKETS - MAX_WEBSOCKETS, statuses

        await answered_promptly(shared_server)  # WebSockets are full; requests are not


async def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_share(
    shared_server: LiveServer,
) -> None:
    first = {"X-Forwarded-For": "198.51.100.7"}
    second = {"Forwarded": 'for="[2001:db8::1]:4711"'}
    async with (
        websockets_held(shared_server, PROXY, PER_CLIENT_WEBSOCKETS + 2, first) as (_, first_refused),
        websockets_held(shared_server, PROXY, PER_CLIENT_WEBSOCKETS, second) as (_, second_refused),
    ):
        assert first_refused == [429, 429]
        assert second_refused == []


async def test_an_untrusted_client_cannot_pick_its_address_by_header(shared_server: LiveServer) -> None:
    async with contextlib.AsyncExitStack() as stack:
        refused: list[int] = []
        for number in range(PER_CLIENT_WEBSOCKETS + 2):
            headers = {"X-Forwarded-For": f"203.0.113.{number}"}
            _, statuses = await stack.enter_async_context(websockets_held(shared_server, GREEDY, 1, headers))
            refused += statuses
        assert refused == [429, 429]
