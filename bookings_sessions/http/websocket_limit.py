"""WebSocket messages are bounded in the app too, for ASGI servers started without a frame limit.

`bookings-sessions serve` gives uvicorn the same limit (`ws_max_size`), which refuses a big message
before it is buffered; this is the fallback for other servers. A message over the limit closes the
socket with 1009 (RFC 6455: message too big), and the app sees a disconnect.
"""

from __future__ import annotations

from starlette.types import Message, Receive, Send

MESSAGE_TOO_BIG = 1009


def _size(message: Message) -> int:
    text = message.get("text")
    return len(text.encode()) if text is not None else len(message.get("bytes") or b"")


def bounded_websocket(receive: Receive, send: Send, limit: int) -> tuple[Receive, Send]:
    closed = False

    async def bounded_receive() -> Message:
        nonlocal closed
        message = await receive()
        if message["type"] == "websocket.receive" and _size(message) > limit:
            closed = True
            await send({"type": "websocket.close", "code": MESSAGE_TOO_BIG, "reason": "message too big"})
            return {"type": "websocket.disconnect", "code": MESSAGE_TOO_BIG}
        return message

    async def guarded_send(message: Message) -> None:
        if not closed:  # the socket is closed: the app's farewell (or its own close) goes nowhere
            await send(message)

    return bounded_receive, guarded_send
