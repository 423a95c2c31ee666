"""Who is calling, and what they may do (docs/design.md §3)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .errors import Forbidden, Unauthenticated


class Role(StrEnum):
    BOOKINGS_ADMIN = "BOOKINGS_ADMIN"
    BOOKINGS_STAFF = "BOOKINGS_STAFF"
    SERVICE = "SERVICE"


@dataclass(frozen=True, slots=True)
class Caller:
    subject: str | None
    roles: frozenset[Role]

    @property
    def anonymous(self) -> bool:
        return self.subject is None and not self.roles

    def has_any(self, roles: frozenset[Role]) -> bool:
        return bool(self.roles & roles)


ANONYMOUS = Caller(subject=None, roles=frozenset())
WRITERS = frozenset({Role.BOOKINGS_ADMIN})
# Who may call a write at all: writers, and trusted backends (which write with suppressAuth).
WRITE_CALLERS = WRITERS | {Role.SERVICE}
SENSITIVE_READERS = frozenset({Role.BOOKINGS_ADMIN, Role.BOOKINGS_STAFF, Role.SERVICE})


def check_role(caller: Caller, any_of: frozenset[Role], *, suppress_auth: bool = False) -> None:
    """`suppressAuth` is honoured only from a trusted backend; a browser must never lift its own limits."""
    if suppress_auth:
        if Role.SERVICE in caller.roles:
            return
        raise Forbidden("suppressAuth is only allowed for SERVICE callers")
    if caller.has_any(any_of):
        return
    # Visitors may read sessions, so a field reserved for staff is FORBIDDEN to them like to any other
    # caller without the role; only writes, which no visitor may make, ask them to authenticate.
    if caller.anonymous and any_of <= WRITE_CALLERS:
        raise Unauthenticated("authentication required: send Authorization: Bearer <token>")
    wanted = ", ".join(sorted(any_of))
    raise Forbidden(f"this needs one of the roles: {wanted}")
