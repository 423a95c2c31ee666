"""Requests refused before any GraphQL runs: an HTTP status, and a GraphQL-shaped body with a code."""

from __future__ import annotations

from typing import Final

from cross_web import HTTPException

# strawberry's own refusals are plain HTTPExceptions: their code follows from the status.
_CODES: Final = {
    400: "BAD_REQUEST",
    401: "UNAUTHENTICATED",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "PAYLOAD_TOO_LARGE",
    503: "UNAVAILABLE",
}


class RequestRefused(HTTPException):
    def __init__(
        self, status_code: int, reason: str, code: str | None = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(status_code, reason)
        self.code = code or _CODES.get(status_code, "BAD_REQUEST")
        self.headers = headers or {}


class MethodNotAllowed(RequestRefused):
    def __init__(self, reason: str, allow: str) -> None:
        super().__init__(405, reason, headers={"Allow": allow})


def refusal(error: HTTPException) -> RequestRefused:
    """Any refusal, strawberry's included, with its code and headers."""
    if isinstance(error, RequestRefused):
        return error
    headers = {"Allow": "GET, POST"} if error.status_code == 405 else None
    return RequestRefused(error.status_code, error.reason, headers=headers)


def refusal_body(error: RequestRefused) -> dict[str, object]:
    return {"errors": [{"message": error.reason, "extensions": {"code": error.code}}]}
