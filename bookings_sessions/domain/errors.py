"""Domain errors. Each carries the machine-readable code the API puts in `extensions.code`."""

from __future__ import annotations


class DomainError(Exception):
    code = "INTERNAL"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class BadUserInput(DomainError):
    """The request itself is wrong; `field` names the offending input path (e.g. `sessionInfo.start`)."""

    code = "BAD_USER_INPUT"


class NotFound(DomainError):
    code = "NOT_FOUND"


class Unauthenticated(DomainError):
    code = "UNAUTHENTICATED"


class Forbidden(DomainError):
    code = "FORBIDDEN"


class Conflict(DomainError):
    """A compare-and-swap lost too many times in a row."""

    code = "CONFLICT"


class Unavailable(DomainError):
    """The database cannot be reached."""

    code = "UNAVAILABLE"
