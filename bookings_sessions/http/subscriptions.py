"""graphql-transport-ws on `/graphql`: text frames, error codes, connections closed when their token expires
(4403) or, without a token, when idle. What clients see: docs/production.md, "Subscriptions".
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Mapping
from typing import ClassVar, Final

import jwt
from starlette.websockets import WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.schema.schema import StreamResult
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    SubscribeMessage,
)
from strawberry.types.execution import ExecutionResult, PreExecutionError

from ..auth import LEEWAY_SECONDS
from ..schema.context import Context
from ..schema.errors import classify

TOKEN_EXPIRED_CODE: Final = 4403
TOKEN_EXPIRED_REASON: Final = "Forbidden: token expired"
IDLE_CODE: Final = 1000
IDLE_REASON: Final = "idle: no token and no operation"


class TextFrameWebSocketAdapter(ASGIWebSocketAdapter):
    """Every message as a text frame, as the protocol says: graphql-ws rejects binary ones ("Message is
    missing the 'type' property"), and strawberry sends our `encode_json`'s bytes as binary."""

    async def send_json(self, message: Mapping[str, object]) -> None:
        encoded = self.view.encode_json(message)
        text = encoded.decode() if isinstance(encoded, bytes) else encoded
        try:
            await self.ws.send_text(text)
        except WebSocketDisconnect as error:
            raise WebSocketDisconnected from error
        except RuntimeError as error:
            # Starlette refuses to send after a close (ours, e.g. on token expiry): the peer is gone.
            raise WebSocketDisconnected from error


def token_accepted_until(authorization: str | None) -> float | None:
    """When a bearer token that was just verified stops being accepted; None without a token."""
    if not authorization:
        return None
    token = authorization.partition(" ")[2].strip()
    claims = jwt.decode(token, options={"verify_signature": False})
    return float(claims["exp"]) + LEEWAY_SECONDS


class TransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    idle_seconds: ClassVar[float] = 60.0
    _closer: asyncio.Task[None] | None = None  # closes the connection: at token expiry, or when idle
    _last_active = 0.0

    @classmethod
    def closing_idle_after(cls, seconds: float) -> type[TransportWSHandler]:
        return type(cls.__name__, (cls,), {"idle_seconds": seconds})

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        await super().handle_connection_init(message)
        if not self.connection_acknowledged or self._closer is not None:
            return
        deadline = token_accepted_until(self.context.authorization)
        if deadline is not None:
            self._closer = asyncio.create_task(self._close_at(deadline))
        else:
            self._active()
            self._closer = asyncio.create_task(self._close_when_idle())

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        self._active()
        await super().handle_subscribe(message)

    def forget_id(self, id: str) -> None:
        self._active()
        super().forget_id(id)

    async def cleanup_operation(self, operation_id: str) -> None:
        self._active()
        await super().cleanup_operation(operation_id)

    def _active(self) -> None:
        self._last_active = time.monotonic()

    async def _close_when_idle(self) -> None:
        while True:
            await asyncio.sleep(max(0.0, self._last_active + self.idle_seconds - time.monotonic()))
            if self.operations:
                self._active()  # quiet, at the earliest, a whole period after it was last seen busy
            elif time.monotonic() >= self._last_active + self.idle_seconds:
                await self.websocket.close(code=IDLE_CODE, reason=IDLE_REASON)
                return

    async def _close_at(self, deadline: float) -> None:
        await asyncio.sleep(max(0.0, deadline - time.time()))
        for operation_id in list(self.operations):
            await self.cleanup_operation(operation_id)
        await self.websocket.close(code=TOKEN_EXPIRED_CODE, reason=TOKEN_EXPIRED_REASON)

    async def shutdown(self) -> None:
        if self._closer is not None:
            self._closer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._closer
        await super().shutdown()

    async def _send_result_stream(
        self, operation: Operation[Context, None], result_source: StreamResult
    ) -> None:
        await super()._send_result_stream(operation, _with_codes(result_source))

    async def _handle_pre_execution_error(
        self, operation: Operation[Context, None], result: PreExecutionError
    ) -> None:
        # A subscription refused before its first event (e.g. by @requiresRole) is reported by strawberry
        # after the operation hooks ran, so ErrorCodes never saw it: give it its code here.
        result.errors = [classify(error) for error in result.errors or ()]
        await super()._handle_pre_execution_error(operation, result)


async def _with_codes(results: StreamResult) -> StreamResult:
    """A streamed result's errors with their codes: ErrorCodes sees such a result only after it was sent."""
    async for result in results:
        if isinstance(result, ExecutionResult) and result.errors:
            result.errors = [classify(error) for error in result.errors]
        yield result
