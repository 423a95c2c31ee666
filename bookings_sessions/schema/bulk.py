"""`bulkCreateSessions`, `bulkUpdateSessions`, `bulkDeleteSessions`: each item runs its single operation's
use case and permission check (service/bulk.py) and answers its session or its error's code and message,
so a refused item fails alone (docs/design.md §4, "Bulk writes").
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Self

import strawberry
from strawberry.types import Info

from ..domain.callers import WRITE_CALLERS, WRITERS, Role, check_role
from ..domain.model import Session as DomainSession
from ..service import bulk, sessions
from .directives import requires_role
from .errors import code_and_message
from .inputs import (
    CreateSessionInfo,
    DeleteSessionOptions,
    UpdateSessionInfo,
    UpdateSessionOptions,
    given_fields,
)
from .types import Session

ITEMS = f"1 to {bulk.MAX_ITEMS} items (else BAD_USER_INPUT, nothing written); each applied on its own."


@strawberry.type(description="Why one item of a bulk write failed: the single operation's code and message.")
class BulkError:
    code: str
    message: str


@strawberry.type(description="One item's outcome, in item order: its session, or its error.")
class BulkResult:
    session_id: strawberry.ID | None = strawberry.field(
        description="The item's session (a create's new id; null for a create that failed)."
    )
    session: Session | None
    error: BulkError | None

    @classmethod
    def of(cls, outcome: bulk.Outcome, session_id: str | None, path: object) -> Self:
        if isinstance(outcome, DomainSession):
            return cls(session_id=strawberry.ID(outcome.id), session=Session.from_domain(outcome), error=None)
        code, message = code_and_message(outcome, path)
        given = None if session_id is None else strawberry.ID(session_id)
        return cls(session_id=given, session=None, error=BulkError(code=code, message=message))


@strawberry.input
class BulkUpdateItem:
    session_id: strawberry.ID
    session_info: UpdateSessionInfo
    options: UpdateSessionOptions | None = None


@strawberry.input
class BulkDeleteItem:
    session_id: strawberry.ID
    options: DeleteSessionOptions | None = None


def _checked(info: Info[Any, Any], options: Any) -> None:
    """The single update's or delete's role check, for one item."""
    suppress = bool(getattr(options, "suppress_auth", False))
    check_role(info.context.caller, WRITERS, suppress_auth=suppress)


def _results(info: Info[Any, Any], outcomes: list[bulk.Outcome], ids: list[str | None]) -> list[BulkResult]:
    return [
        BulkResult.of(outcome, session_id, [*info.path.as_list(), index])
        for index, (outcome, session_id) in enumerate(zip(outcomes, ids, strict=True))
    ]


async def _run(
    info: Info[Any, Any],
    items: list[Any],
    write: Callable[[Any], Awaitable[DomainSession]],
    keyed: bool,
) -> list[BulkResult]:
    key: Callable[[Any], str | None] = (
        (lambda item: bulk.written_together(str(item.session_id))) if keyed else (lambda _: None)
    )
    earlier = info.context.bulk_items
    outcomes = await bulk.each(items, write, key, earlier)
    info.context.bulk_items = earlier + len(items)
    ids = [str(item.session_id) if keyed else None for item in items]
    return _results(info, outcomes, ids)


@strawberry.type
class BulkMutation:
    @strawberry.mutation(
        extensions=[requires_role(Role.BOOKINGS_ADMIN)],
        description=f"Creates sessions as createSession does (without idempotency keys). {ITEMS}",
    )
    async def bulk_create_sessions(
        self, info: Info[Any, Any], items: list[CreateSessionInfo]
    ) -> list[BulkResult]:
        services, subject = info.context.services, info.context.caller.subject

        async def create(item: CreateSessionInfo) -> DomainSession:
            return await sessions.create_session(services, given_fields(item), subject=subject)

        return await _run(info, items, create, keyed=False)

    @strawberry.mutation(
        extensions=[requires_role(*sorted(WRITE_CALLERS))],
        description="Patches sessions as updateSession does; each item needs what updateSession needs "
        f"(an admin, or a SERVICE caller with the item's suppressAuth). {ITEMS}",
    )
    async def bulk_update_sessions(
        self, info: Info[Any, Any], items: list[BulkUpdateItem]
    ) -> list[BulkResult]:
        services = info.context.services

        async def update(item: BulkUpdateItem) -> DomainSession:
            _checked(info, item.options)
            return await sessions.update_session(
                services, str(item.session_id), given_fields(item.session_info), given_fields(item.options)
            )

        return await _run(info, items, update, keyed=True)

    @strawberry.mutation(
        extensions=[requires_role(*sorted(WRITE_CALLERS))],
        description="Cancels sessions as deleteSession does; each item needs what deleteSession needs "
        f"(an admin, or a SERVICE caller with the item's suppressAuth). {ITEMS}",
    )
    async def bulk_delete_sessions(
        self, info: Info[Any, Any], items: list[BulkDeleteItem]
    ) -> list[BulkResult]:
        services = info.context.services

        async def delete(item: BulkDeleteItem) -> DomainSession:
            _checked(info, item.options)
            return await sessions.delete_session(services, str(item.session_id), given_fields(item.options))

        return await _run(info, items, delete, keyed=True)
