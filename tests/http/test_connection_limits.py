"""Connections that never finish their request headers are closed; beyond MAX_CONNECTIONS a request gets
503, beyond MAX_WEBSOCKETS an upgrade does.

A server of its own with a 1 s header timeout and room for two connections and two WebSockets
(tests/support/live_server.py). Per-client shares: tests/http/test_fair_share.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import select
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from bookings_sessions.storage.ferretdb import EmbeddedFerretDB
from tests.support.live_server import LiveServer, running_server
from tests.support.tokens import Tokens

HEADER_TIMEOUT = 1
MAX_CONNECTIONS = 2
MAX_WEBSOCKETS = 2
MAX_HEADER_BYTES = 8192
# How long a test waits for the server to act before calling it a failure; never a speed requirement.
PATIENCE = 15.0


@pytest.fixture(scope="module")
def limited_server(
    ferretdb: EmbeddedFerretDB, tmp_path_factory: pytest.TempPathFactory, tokens: Tokens
) -> Iterator[LiveServer]:
    with running_server(
        ferretdb.uri,
        Path(tmp_path_factory.mktemp("limited-server")),
        tokens,
        HEADER_TIMEOUT_SECONDS=str(HEADER_TIMEOUT),
        MAX_CONNECTIONS=str(MAX_CONNECTIONS),
        MAX_WEBSOCKETS=str(MAX_WEBSOCKETS),
        MAX_HEADER_BYTES=str(MAX_HEADER_BYTES),
    ) as server:
        yield server


def open_socket(server: LiveServer) -> socket.socket:
    host, port = server.url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=PATIENCE)


def read_until_closed(sock: socket.socket, *, reset_ends: bool = False) -> bytes:
    """Everything the server sends until it closes the connection (a guard timeout fails the test).

    With `reset_ends`, a reset ends it too: a server that closes with request bytes still unread makes
    the kernel send RST instead of FIN, after the answer it wrote.
    """
    received = b""
    with contextlib.suppress(*((ConnectionResetError,) if reset_ends else ())):
        while chunk := sock.recv(4096):
            received += chunk
    return received


def test_a_silent_connection_is_closed_by_the_server(limited_server: LiveServer) -> None:
    with open_socket(limited_server) as sock:
        assert read_until_closed(sock) == b""


def test_headers_that_trickle_in_are_cut_off_with_408(limited_server: LiveServer) -> None:
    with open_socket(limited_server) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n")
        answer = b""
        for line in range(int(PATIENCE / 0.2)):  # a header line every 0.2 s, never the blank line
            readable, _, _ = select.select([sock], [], [], 0.2)
            if readable:
                answer = read_until_closed(sock)
                break
            sock.sendall(f"X-Slow-{line}: still coming\r\n".encode())

    assert answer.startswith(b"HTTP/1.1 408 "), answer
    assert b"connection: close" in answer.lower()


def test_oversized_headers_are_refused_with_431(limited_server: LiveServer) -> None:
    with open_socket(limited_server) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n")
        with contextlib.suppress(ConnectionResetError, BrokenPipeError):  # refused before we finished
            for line in range(4 * MAX_HEADER_BYTES // 1000):
                sock.sendall(b"X-Big-%d: %s\r\n" % (line, b"a" * 1000))
            sock.sendall(b"\r\n")
        answer = read_until_closed(sock, reset_ends=True)  # the refused headers were left unread

    assert answer.startswith(b"HTTP/1.1 431 "), answer


def test_oversized_headers_in_one_packet_are_refused_with_431(limited_server: LiveServer) -> None:
    # Several times the limit, all in one write: the server reads it at once, and the read completes
    # the headers.
    padding = b"".join(
        b"X-Big-%d: %s\r\n" % (line, b"a" * 1000) for line in range(8 * MAX_HEADER_BYTES // 1000)
    )
    with open_socket(limited_server) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n" + padding + b"\r\n")
        answer = read_until_closed(sock, reset_ends=True)

    assert answer.startswith(b"HTTP/1.1 431 "), answer[:300]


def test_headers_just_under_the_limit_and_a_body_in_the_same_packet_are_served(
    limited_server: LiveServer,
) -> None:
    padding = b"X-Pad: " + b"a" * (MAX_HEADER_BYTES - 200) + b"\r\n"
    body = b'{"query": "{ __typename }"}' + b" " * (4 * MAX_HEADER_BYTES)
    request = (
        b"POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        + padding
        + b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body)
        + body
    )
    with open_socket(limited_server) as sock:
        sock.sendall(request)
        answer = read_until_closed(sock)

    assert answer.startswith(b"HTTP/1.1 200 "), answer[:300]


def test_a_finished_request_is_answered_and_the_idle_connection_closed(limited_server: LiveServer) -> None:
    with open_socket(limited_server) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        answer = read_until_closed(sock)  # keep-alive, then closed while waiting for the next request

    assert answer.startswith(b"HTTP/1.1 200 "), answer


async def test_a_websocket_that_never_sends_connection_init_is_closed_with_4408(
    limited_server: LiveServer,
) -> None:
    async with connect(limited_server.ws_url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), PATIENCE)

    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4408


@contextlib.asynccontextmanager
async def held_subscription_socket(server: LiveServer) -> AsyncIterator[ClientConnection]:
    """A WebSocket past connection_init: an open connection the server keeps (no header timeout)."""
    async with connect(server.ws_url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        yield ws


async def status_of_a_new_request(server: LiveServer) -> int:
    async with httpx.AsyncClient() as client:
        return (await client.get(f"{server.url}/healthz", timeout=PATIENCE)).status_code


async def test_beyond_max_websockets_upgrades_get_503_and_requests_are_still_served(
    limited_server: LiveServer,
) -> None:
    async with held_subscription_socket(limited_server), held_subscription_socket(limited_server):
        served = await status_of_a_new_request(limited_server)
        with pytest.raises(InvalidStatus) as upgrade:
            await connect(limited_server.ws_url, subprotocols=["graphql-transport-ws"])  # type: ignore[list-item]

    assert served == 200
    assert upgrade.value.response.status_code == 503
    # Room again once the held WebSockets are gone (the server learns of the closes shortly).
    for _attempt in range(50):
        with contextlib.suppress(InvalidStatus):
            async with held_subscription_socket(limited_server):
                return
        await asyncio.sleep(0.1)
    raise AssertionError("no WebSocket was accepted after the held ones closed")


async def test_beyond_max_connections_requests_get_503_and_upgrades_are_still_accepted(
    limited_server: LiveServer,
) -> None:
    with open_socket(limited_server), open_socket(limited_server):  # silent: open until their timeout
        async with httpx.AsyncClient() as client:
            refused = await client.get(f"{limited_server.url}/healthz", timeout=PATIENCE)
        async with held_subscription_socket(limited_server):
            pass

    assert refused.status_code == 503, refused.text
    assert refused.headers["connection"] == "close"
    # Room again once the held connections are gone.
    statuses = []
    for _attempt in range(50):
        statuses.append(await status_of_a_new_request(limited_server))
        if statuses[-1] == 200:
            break
        await asyncio.sleep(0.1)
    assert statuses[-1] == 200, statuses
