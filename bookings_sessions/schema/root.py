"""Query and Mutation: each field maps its arguments to a use case (`service/`) and the result to a type."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from ..domain.callers import Role
from ..service import listing, sessions
from .directives import requires_role
from .errors import argument_names
from .inputs import (
    CreateSessionInfo,
    CreateSessionOptions,
    DeleteSessionOptions,
    SessionFilterInput,
    TimeWindow,
    UpdateSessionInfo,
    UpdateSessionOptions,
    given_fields,
)
from .types import Session, SessionConnection

CREATE_SESSION = (
    "Creates a session. `idempotencyKey`: 1 to 200 characters, unique per intended session (e.g. a "
    "UUID). Retrying with the same key within "
    "24 hours (same caller) returns the session the first attempt created instead of creating another; "
    "the same key with a different sessionInfo is BAD_USER_INPUT."
)


@strawberry.type
class Query:
    @strawberry.field(description="A single session, a recurring session, or an instance of one.")
    async def session(self, info: Info[Any, Any], id: strawberry.ID) -> Session | None:
        with argument_names({"session_id": "id"}):
            return Session.from_domain(await sessions.load_session(info.context.services, str(id)))

    @strawberry.field(
        description="Sessions by filter; with expandInstances, recurring sessions become their instances "
        "inside `window` (required then, at most one year). Forwards with `first` (1 to 500; 50 without "
        "`first` and `last`) after `after`, or backwards with `last` before `before`; not both."
    )
    async def sessions(
        self,
        info: Info[Any, Any],
        filter: SessionFilterInput | None = None,
        window: TimeWindow | None = None,
        expand_instances: bool = False,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> SessionConnection:
        page = await listing.list_sessions(
            info.context.services,
            given_fields(filter) if filter else None,
            None if window is None else (window.from_, window.to),
            expand_instances,
            first,
            after,
            last,
            before,
        )
        return SessionConnection.of(page, Session.from_domain)


@strawberry.type
class Mutation:
    @strawberry.mutation(extensions=[requires_role(Role.BOOKINGS_ADMIN)], description=CREATE_SESSION)
    async def create_session(
        self,
        info: Info[Any, Any],
        session_info: CreateSessionInfo,
        idempotency_key: str | None = None,
        options: CreateSessionOptions | None = None,
    ) -> Session:
        created = await sessions.create_session(
            info.context.services,
            given_fields(session_info),
            subject=info.context.caller.subject,
            idempotency_key=idempotency_key,
            options=given_fields(options),
        )
        return Session.from_domain(created)

    @strawberry.mutation(
        extensions=[requires_role(Role.BOOKINGS_ADMIN, honour_suppress_auth=True)],
        description="Patches a session: absent fields stay, given arrays replace, null clears.",
    )
    async def update_session(
        self,
        info: Info[Any, Any],
        session_id: strawberry.ID,
        session_info: UpdateSessionInfo,
        options: UpdateSessionOptions | None = None,
    ) -> Session:
        updated = await sessions.update_session(
            info.context.services,
            str(session_id),
            given_fields(session_info),
            given_fields(options),
            caller=info.context.caller.subject,
        )
        return Session.from_domain(updated)

    @strawberry.mutation(
        extensions=[requires_role(Role.BOOKINGS_ADMIN, honour_suppress_auth=True)],
        description="Cancels a session (soft delete: status CANCELLED).",
    )
    async def delete_session(
        self, info: Info[Any, Any], session_id: strawberry.ID, options: DeleteSessionOptions | None = None
    ) -> Session:
        deleted = await sessions.delete_session(
            info.context.services, str(session_id), given_fields(options), caller=info.context.caller.subject
        )
        return Session.from_domain(deleted)
