"""Domain errors. Each carries the machine-readable code the API puts in `extensions.code`."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator


class DomainError(Exception):
    code = "INTERNAL"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def within(self, parent: str) -> None:
        """Names the field from one level up: `end` of `session_info` becomes `session_info.end`."""
        self.field = parent if self.field is None else f"{parent}.{self.field}"


@contextlib.contextmanager
def fields_of(parent: str) -> Iterator[None]:
    """Input errors raised inside name their field as part of `parent` (a use case's input)."""
    try:
        yield
    except BadUserInput as error:
        error.within(parent)
        raise


class BadUserInput(DomainError):
    """The request itself is wrong; `field` names the offending input by its domain path (`start`)."""

    code = "BAD_USER_INPUT"


class NotFound(DomainError):
    code = "NOT_FOUND"


class Unauthenticated(DomainError):
    code = "UNAUTHENTICATED"


class Forbidden(DomainError):
    code = "FORBIDDEN"


class Conflict(DomainError):
    """A compare-and-swap lost too many times in a row, or the client edited a stale revision.

    `current_revision`, when known, is the revision the client should re-read and compare against;
    `moved_to`, the id an occurrence has now, when another write split it off into a new series.
    """

    code = "CONFLICT"

    def __init__(
        self, message: str, *, current_revision: int | None = None, moved_to: str | None = None
    ) -> None:
        super().__init__(message)
        self.current_revision = current_revision
        self.moved_to = moved_to


class Unavailable(DomainError):
    """The database cannot be reached."""

    code = "UNAVAILABLE"


class CursorExpired(DomainError):
    """A change-feed cursor older than what is retained (or from a log that was reset): resync."""

    code = "CURSOR_EXPIRED"
