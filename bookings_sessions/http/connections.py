"""uvicorn's httptools protocol with the bounds it lacks: header and body timeouts (408), a header size cap
(431), the caps of HTTP connections and WebSockets (503) and each client's share (429). The one module
outside fast/ using uvicorn's internals (docs/design.md §7); why: docs/production.md, "Connections".
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Final

import httptools
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from ..settings import Settings
from .client_address import TrustedProxies
from .client_shares import ClientShares

# A seam: what wraps each connection's transport (fast/coalesced_writes.py); none in the plain server.
TransportWrapper = Callable[[asyncio.Transport, asyncio.AbstractEventLoop], asyncio.Transport]


def _closing_response(status: bytes, reason: bytes) -> bytes:
    """A plain-text response that ends the connection, as uvicorn's own 503 does."""
    headers = b"content-type: text/plain; charset=utf-8\r\nconnection: close\r\ncontent-length: %d\r\n"
    return b"HTTP/1.1 %s %s\r\n" % (status, reason) + headers % len(reason) + b"\r\n" + reason


REQUEST_TIMEOUT: Final = _closing_response(b"408", b"Request Timeout")
TOO_MANY_REQUESTS: Final = _closing_response(b"429", b"Too Many Requests")
HEADERS_TOO_LARGE: Final = _closing_response(b"431", b"Request Header Fields Too Large")
SERVICE_UNAVAILABLE: Final = _closing_response(b"503", b"Service Unavailable")


@dataclass(frozen=True)
class ConnectionLimits:
    header_timeout: float = 10.0
    max_header_bytes: int = 65536
    body_timeout: float = 30.0
    max_connections: int = 1000
    max_websockets: int = 1000
    max_connections_per_client: int = 64
    max_websockets_per_client: int = 32
    trusted_proxies: tuple[str, ...] = ()


def connection_limits(settings: Settings) -> ConnectionLimits:
    return ConnectionLimits(
        header_timeout=settings.header_timeout_seconds,
        max_header_bytes=settings.max_header_bytes,
        body_timeout=settings.body_timeout_seconds,
        max_connections=settings.max_connections,
        max_websockets=settings.max_websockets,
        max_connections_per_client=settings.max_connections_per_client,
        max_websockets_per_client=settings.max_websockets_per_client,
        trusted_proxies=tuple(settings.trusted_proxies),
    )


class _Refused(Exception):
    """Raised from a parser callback to stop parsing; the protocol answers `response` and closes."""

    def __init__(self, response: bytes) -> None:
        super().__init__()
        self.response = response


class CountedWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's WebSocket protocol, giving back its place in the WebSocket share when it closes."""

    on_closed: Callable[[], None] | None = None

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        if self.on_closed is not None:
            self.on_closed()
            self.on_closed = None


class HeaderLimitsProtocol(HttpToolsProtocol):
    limits: ClassVar[ConnectionLimits] = ConnectionLimits()
    shares: ClassVar[ClientShares] = ClientShares.of(1000, 1000, 64, 32)
    proxies: ClassVar[TrustedProxies] = TrustedProxies(())
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
        self._parsed_header_bytes = 0
        # Armed only when a request's body did not come with its headers.
        self._body_timer: asyncio.TimerHandle | None = None
        self._counted = False  # in the HTTP share's total (until closed, or upgraded)
        self._peer = ""
        self._share_client: str | None = None  # the address this connection counts for, if any

    @classmethod
    def configured(
        cls, limits: ConnectionLimits, wrap_transport: TransportWrapper | None = None
    ) -> type[HeaderLimitsProtocol]:
        """uvicorn builds the protocol itself: the settings, and the counts every connection shares,
        travel as class attributes."""
        shares = ClientShares.of(
            limits.max_connections,
            limits.max_websockets,
            limits.max_connections_per_client,
            limits.max_websockets_per_client,
        )
        attributes: dict[str, Any] = {
            "limits": limits,
            "shares": shares,
            "proxies": TrustedProxies(limits.trusted_proxies),
        }
        if wrap_transport is not None:
            attributes["wrap_transport"] = staticmethod(wrap_transport)
        return type(cls.__name__, (cls,), attributes)

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        wrap = type(self).wrap_transport
        super().connection_made(transport if wrap is None else wrap(transport, self.loop))
        self._peer = self.client[0] if self.client else ""
        self.shares.http.total += 1
        self._counted = True
        # A proxy's connections carry many clients: they are counted per request, by forwarded address.
        if not self.proxies.trusts(self._peer):
            if not self.shares.http.join(self._peer):
                self.shares.http.refused(self._peer, "client share")
                self.transport.write(TOO_MANY_REQUESTS)
                self.transport.close()
                return
            self._share_client = self._peer
        self._wait_for_headers()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_waiting()
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None
        self._stop_body_timer()
        self._leave_http_share()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        awaiting_headers = self._headers_due is not None
        self._parse(data)
        if self.transport.is_closing():
            return
        # Bytes that did not complete the headers are all header bytes (a body only follows complete
        # headers): this bounds what is buffered while they come. The read that completes them is
        # checked by what the parser found (on_headers_complete).
        if awaiting_headers and self._headers_due is not None:
            self._header_bytes += len(data)
            if self._header_bytes > self.limits.max_header_bytes:
                self._stop_waiting()
                self._refuse(self._headers_too_large())
            return
        cycle = self.cycle
        if self._body_timer is None and cycle is not None and cycle.more_body and not cycle.response_complete:
            self._body_timer = self.loop.call_later(self.limits.body_timeout, self._body_timed_out)

    def _parse(self, data: bytes) -> None:
        """uvicorn's `data_received`, which also answers a request a parser callback refused."""
        self._unset_keepalive_if_required()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserCallbackError as error:
            if isinstance(error.__context__, _Refused):
                self._refuse(error.__context__.response)
                return
            self.logger.warning("Invalid HTTP request received.")
            self.send_400_response("Invalid HTTP request received.")
        except httptools.HttpParserError:
            self.logger.warning("Invalid HTTP request received.")
            self.send_400_response("Invalid HTTP request received.")
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()

    def on_message_begin(self) -> None:
        self._request_begun = True
        self._parsed_header_bytes = 0
        super().on_message_begin()

    def on_url(self, url: bytes) -> None:
        self._parsed_header_bytes += len(url)
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._parsed_header_bytes += len(name) + len(value) + 4  # ": " and CRLF
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._stop_waiting()
        self._request_begun = False
        refusal = self._admission()
        if refusal is not None:
            raise _Refused(refusal)
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._stop_body_timer()
        super().on_message_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        # The next request's headers are due now, unless a pipelined one (headers complete) took over.
        if not self.transport.is_closing() and self.cycle.response_complete:
            self._wait_for_headers()

    def handle_websocket_upgrade(self) -> None:
        websockets = self.shares.websockets
        client = self._share_client or self._peer
        refusal = None
        if websockets.full():
            websockets.refused(client, "MAX_WEBSOCKETS")
            refusal = SERVICE_UNAVAILABLE
        elif not websockets.join(client):
            websockets.refused(client, "client share")
            refusal = TOO_MANY_REQUESTS
        if refusal is not None:
            self._refuse(refusal)
            return
        websockets.total += 1
        self._leave_http_share()  # from here on the connection is a WebSocket
        super().handle_websocket_upgrade()
        protocol = self.transport.get_protocol()
        if isinstance(protocol, CountedWebSocketProtocol):
            protocol.on_closed = lambda: self._leave_websocket_share(client)
        else:  # another WebSocket implementation: it cannot tell us when it closes
            self._leave_websocket_share(client)

    def _admission(self) -> bytes | None:
        """Why the request whose headers just came is refused (its response), or None."""
        if self._parsed_header_bytes > self.limits.max_header_bytes:
            return self._headers_too_large()
        http = self.shares.http
        if self.proxies.trusts(self._peer):
            client = self.proxies.client(self._peer, self.headers)
            if client != self._share_client:
                self._leave_client()
                if not http.join(client):
                    http.refused(client, "client share")
                    return TOO_MANY_REQUESTS
                self._share_client = client
        upgrading = self.parser.should_upgrade() and self._should_upgrade()
        if not upgrading and http.total > http.cap:  # this connection is one of them
            http.refused(self._share_client or self._peer, "MAX_CONNECTIONS")
            return SERVICE_UNAVAILABLE
        return None

    def _headers_too_large(self) -> bytes:
        self.logger.warning("Request headers larger than %d bytes.", self.limits.max_header_bytes)
        return HEADERS_TOO_LARGE

    def _refuse(self, response: bytes) -> None:
        self.transport.write(response)
        self.transport.close()

    def _leave_client(self) -> None:
        if self._share_client is not None:
            self.shares.http.leave(self._share_client)
            self._share_client = None

    def _leave_http_share(self) -> None:
        if self._counted:
            self._counted = False
            self.shares.http.total -= 1
            self._leave_client()

    def _leave_websocket_share(self, client: str) -> None:
        self.shares.websockets.total -= 1
        self.shares.websockets.leave(client)

    def _body_timed_out(self) -> None:
        self._body_timer = None
        cycle = self.cycle
        if cycle is None or not cycle.more_body or cycle.response_complete or self.transport.is_closing():
            return
        if not cycle.response_started:
            self.transport.write(REQUEST_TIMEOUT)
        self.transport.close()

    def _stop_body_timer(self) -> None:
        if self._body_timer is not None:
            self._body_timer.cancel()
            self._body_timer = None

    def _wait_for_headers(self) -> None:
        self._header_bytes = 0
        self._headers_due = self.loop.time() + self.limits.header_timeout
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
