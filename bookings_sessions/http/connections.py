"""uvicorn's HTTP protocol with a request-header timeout and size cap, and the connection cap on upgrades.

uvicorn (0.54) has no header timeout: its keep-alive timer starts only after a first response and stops
at the first byte of the next request, so a socket that sends nothing, or trickles header lines, is kept
forever (the probe in issue 13 used up every file descriptor that way). Here the server waits at most
`header_timeout` seconds for complete request headers, counted from when it starts waiting (connection
made, or previous response sent); then it closes the connection, answering 408 if a request had begun.

Nor does its httptools parser bound the size of the headers (16 MB of them were read into memory):
more than `max_header_bytes` of a request before the end of its headers is answered 431.

`limit_concurrency` (MAX_CONNECTIONS) answers plain requests 503 but lets WebSocket upgrades through;
here an upgrade beyond the cap gets the same 503.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, ClassVar, Final

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

# A seam: what wraps each connection's transport (fast/coalesced_writes.py); none in the plain server.
TransportWrapper = Callable[[asyncio.Transport, asyncio.AbstractEventLoop], asyncio.Transport]


def _closing_response(status: bytes, reason: bytes) -> bytes:
    """A plain-text response that ends the connection, as uvicorn's own 503 does."""
    headers = b"content-type: text/plain; charset=utf-8\r\nconnection: close\r\ncontent-length: %d\r\n"
    return b"HTTP/1.1 %s %s\r\n" % (status, reason) + headers % len(reason) + b"\r\n" + reason


REQUEST_TIMEOUT: Final = _closing_response(b"408", b"Request Timeout")
HEADERS_TOO_LARGE: Final = _closing_response(b"431", b"Request Header Fields Too Large")
SERVICE_UNAVAILABLE: Final = _closing_response(b"503", b"Service Unavailable")


def uvicorn_limit_concurrency(max_connections: int) -> int:
    """uvicorn answers 503 once open connections >= limit, the asking one included."""
    return max_connections + 1


class HeaderLimitsProtocol(HttpToolsProtocol):
    header_timeout: ClassVar[float] = 10.0
    max_header_bytes: ClassVar[int] = 65536
    wrap_transport: ClassVar[TransportWrapper | None] = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # When complete headers are due (None: not waiting for any). One timer checks it: it is armed
        # when a wait begins and none is pending, and re-armed for the new deadline when it fires early,
        # so a keep-alive connection costs a timer per `header_timeout`, not two timer calls per request.
        self._headers_due: float | None = None
        self._header_timer: asyncio.TimerHandle | None = None
        self._request_begun = False
        self._header_bytes = 0

    @classmethod
    def configured(
        cls, header_timeout: float, max_header_bytes: int, wrap_transport: TransportWrapper | None = None
    ) -> type[HeaderLimitsProtocol]:
        """uvicorn builds the protocol itself: the settings travel as class attributes."""
        limits: dict[str, Any] = {"header_timeout": header_timeout, "max_header_bytes": max_header_bytes}
        if wrap_transport is not None:
            limits["wrap_transport"] = staticmethod(wrap_transport)
        return type(cls.__name__, (cls,), limits)

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        wrap = type(self).wrap_transport
        super().connection_made(transport if wrap is None else wrap(transport, self.loop))
        self._wait_for_headers()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_waiting()
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        awaiting_headers = self._headers_due is not None
        super().data_received(data)
        # Bytes that did not complete the headers are all header bytes (a body only follows complete
        # headers), so a body in the same read never counts. A read that completes the headers is not
        # counted: at most one read (256 KiB) past the limit gets through, instead of no bound at all.
        if awaiting_headers and self._headers_due is not None and not self.transport.is_closing():
            self._header_bytes += len(data)
            if self._header_bytes > self.max_header_bytes:
                self._stop_waiting()
                self.logger.warning("Request headers larger than %d bytes.", self.max_header_bytes)
                self.transport.write(HEADERS_TOO_LARGE)
                self.transport.close()

    def on_message_begin(self) -> None:
        self._request_begun = True
        super().on_message_begin()

    def on_headers_complete(self) -> None:
        self._stop_waiting()
        self._request_begun = False
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        # The next request's headers are due now, unless a pipelined one (headers complete) took over.
        if not self.transport.is_closing() and self.cycle.response_complete:
            self._wait_for_headers()

    def handle_websocket_upgrade(self) -> None:
        limit = self.limit_concurrency
        if limit is not None and (len(self.connections) >= limit or len(self.tasks) >= limit):
            self.logger.warning("Exceeded concurrency limit.")
            self.transport.write(SERVICE_UNAVAILABLE)
            self.transport.close()
            return
        super().handle_websocket_upgrade()

    def _wait_for_headers(self) -> None:
        self._header_bytes = 0
        self._headers_due = self.loop.time() + self.header_timeout
        if self._header_timer is None:
            self._header_timer = self.loop.call_at(self._headers_due, self._check_headers)

    def _stop_waiting(self) -> None:
        self._headers_due = None  # a pending timer finds nothing due and lapses

    def _check_headers(self) -> None:
        self._header_timer = None
        due = self._headers_due
        if due is None or self.transport.is_closing():
            return  # not waiting now: the next wait arms a timer
        if self.loop.time() < due:
            self._header_timer = self.loop.call_at(due, self._check_headers)  # a later wait began
            return
        self._headers_timed_out()

    def _headers_timed_out(self) -> None:
        self._headers_due = None
        if self._request_begun:
            self.transport.write(REQUEST_TIMEOUT)
        self.transport.close()
