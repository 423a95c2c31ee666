"""The caller of an HTTP request, verified once at the edge before anything is parsed or run: a bad token is
refused whatever the request selects, no Authorization header is an anonymous visitor (docs/permissions.md).
"""

from __future__ import annotations

from ..auth import TokenKeys
from ..domain.callers import Caller
from ..domain.errors import Unauthenticated
from .refusals import RequestRefused


class Unauthorized(RequestRefused):
    def __init__(self, reason: str) -> None:
        # RFC 6750 §3: the challenge says which scheme to use and that the token was the problem.
        super().__init__(401, reason, "UNAUTHENTICATED", {"WWW-Authenticate": 'Bearer error="invalid_token"'})


def authenticate(keys: TokenKeys, authorization: str | None) -> Caller:
    """The verified caller (cached per token, see TokenKeys.decode_cached), or Unauthorized."""
    try:
        return keys.caller_from_header(authorization)
    except Unauthenticated as error:
        raise Unauthorized(error.message) from None
