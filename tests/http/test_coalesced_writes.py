"""The transport under uvicorn's protocol sends what one event-loop turn wrote as one socket write.

The live server (tests/support/live_server.py) runs it under every HTTP and WebSocket test.
"""

from __future__ import annotations

import asyncio

import uvicorn
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from uvicorn.server import ServerState

from bookings_sessions.fast.coalesced_writes import CoalescedWrites
from bookings_sessions.http.connections import ConnectionLimits, HeaderLimitsProtocol


class SocketWrites(asyncio.Transport):
    """Stands in for the event loop's socket transport: records each write it is asked to send."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[bytes] = []
        self.closed = False
        self.aborted = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        assert not self.closed
        self.sent.append(bytes(data))

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.aborted = self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def get_write_buffer_size(self) -> int:
        return 0


async def next_turn() -> None:
    await asyncio.sleep(0)


async def test_the_writes_of_one_turn_leave_as_one_in_order() -> None:
    socket_writes = SocketWrites()
    transport = CoalescedWrites(socket_writes, asyncio.get_running_loop())

    transport.write(b"HTTP/1.1 200 OK\r\n\r\n")
    transport.write(b"{}")
    assert socket_writes.sent == []  # held until the end of the turn
    assert transport.get_write_buffer_size() == len(b"HTTP/1.1 200 OK\r\n\r\n{}")
    await next_turn()
    assert socket_writes.sent == [b"HTTP/1.1 200 OK\r\n\r\n{}"]

    transport.write(b"next")
    await next_turn()
    assert socket_writes.sent[1:] == [b"next"]


async def test_closing_sends_what_is_held_first_and_abort_drops_it() -> None:
    closed, aborted = SocketWrites(), SocketWrites()
    loop = asyncio.get_running_loop()

    closing = CoalescedWrites(closed, loop)
    closing.write(b"HTTP/1.1 408 Request Timeout\r\n\r\n")
    closing.close()
    assert closed.sent == [b"HTTP/1.1 408 Request Timeout\r\n\r\n"] and closed.closed

    aborting = CoalescedWrites(aborted, loop)
    aborting.write(b"partial")
    aborting.abort()
    await next_turn()  # the turn's end finds nothing held, and a closed socket
    assert aborted.sent == [] and aborted.aborted


async def test_what_is_held_when_the_peer_went_away_is_dropped() -> None:
    socket_writes = SocketWrites()
    transport = CoalescedWrites(socket_writes, asyncio.get_running_loop())
    transport.write(b"late")
    socket_writes.closed = True  # the connection was lost in this turn
    await next_turn()
    assert socket_writes.sent == []


def hello_app() -> Starlette:
    async def hello(request: object) -> PlainTextResponse:
        return PlainTextResponse("hello")

    return Starlette(routes=[Route("/", hello)])


async def test_uvicorns_protocol_sends_a_whole_response_in_one_write() -> None:
    coalescing = HeaderLimitsProtocol.configured(ConnectionLimits(), CoalescedWrites)
    config = uvicorn.Config(hello_app(), http=coalescing, lifespan="off", log_level="warning")
    config.load()
    protocol = coalescing(config=config, server_state=ServerState(), app_state={})
    socket_writes = SocketWrites()
    protocol.connection_made(socket_writes)

    protocol.data_received(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n")
    for _ in range(20):  # the app's task runs, then the turn that sends
        await next_turn()

    [response] = socket_writes.sent
    assert response.startswith(b"HTTP/1.1 200 OK\r\n") and response.endswith(b"\r\n\r\nhello")
    protocol.connection_lost(None)
