"""Request bodies bounded (MAX_REQUEST_BYTES): refused by their declared length, else counted while they
stream in, nothing past the limit read, since Starlette would otherwise buffer any amount (docs/security.md).
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import Message, Receive

from .refusals import RequestRefused


class PayloadTooLarge(RequestRefused):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body is larger than {limit} bytes.", "PAYLOAD_TOO_LARGE")


def check_declared_length(headers: Headers, limit: int) -> None:
    declared = headers.get("content-length")
    if declared is None:
        return  # chunked: counted as it arrives, see bounded_receive
    if not declared.isdigit():
        raise RequestRefused(400, "The Content-Length header is not a number.")
    if int(declared) > limit:
        raise PayloadTooLarge(limit)


def bounded_receive(receive: Receive, limit: int) -> Receive:
    """`receive`, raising PayloadTooLarge as soon as the body received so far passes `limit` bytes."""
    received = 0

    async def bounded() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise PayloadTooLarge(limit)
        return message

    return bounded
