"""Query and Mutation: each field maps arguments and hands over to `resolvers/`."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from ..domain.callers import Role
from ..resolvers import listing, sessions
from ..resolvers.mapping import connection_out, given_fields, session_out
from .directives import requires_role
from .inputs import (
    CreateSessionInfo,
    DeleteSessionOptions,
    SessionFilterInput,
    TimeWindow,
    UpdateSessionInfo,
    UpdateSessionOptions,
)
from .types import Session, SessionConnection


@strawberry.type
class Query:
    @strawberry.field(description="A single session, a recurring session, or an instance of one.")
    async def session(self, info: Info[Any, Any], id: strawberry.ID) -> Session | None:
        return session_out(await sessions.load_session(info.context, str(id), field="id"))

    @strawberry.field(
        description="Sessions by filter; with expandInstances, recurring sessions become their instances "
        "inside `window` (required then, at most one year)."
    )
    async def sessions(
        self,
        info: Info[Any, Any],
        filter: SessionFilterInput | None = None,
        window: TimeWindow | None = None,
        expand_instances: bool = False,
        first: int | None = 50,
        after: str | None = None,
    ) -> SessionConnection:
        page = await listing.list_sessions(
            info.context,
            given_fields(filter) if filter else None,
            None if window is None else (window.from_, window.to),
            expand_instances,
            first,
            after,
        )
        return connection_out(page)


@strawberry.type
class Mutation:
    @strawberry.mutation(extensions=[requires_role(Role.BOOKINGS_ADMIN)], description="Creates a session.")
    async def create_session(self, info: Info[Any, Any], session_info: CreateSessionInfo) -> Session:
        return session_out(await sessions.create_session(info.context, given_fields(session_info)))

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
            info.context, str(session_id), given_fields(session_info), given_fields(options)
        )
        return session_out(updated)

    @strawberry.mutation(
        extensions=[requires_role(Role.BOOKINGS_ADMIN, honour_suppress_auth=True)],
        description="Cancels a session (soft delete: status CANCELLED).",
    )
    async def delete_session(
        self, info: Info[Any, Any], session_id: strawberry.ID, options: DeleteSessionOptions | None = None
    ) -> Session:
        deleted = await sessions.delete_session(info.context, str(session_id), given_fields(options))
        return session_out(deleted)
