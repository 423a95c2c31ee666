"""WebSocket messages bounded in the app too (1009 over MAX_REQUEST_BYTES), for ASGI servers started without
a frame limit; `serve` gives uvicorn the same one (docs/production.md, "Connections").
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
