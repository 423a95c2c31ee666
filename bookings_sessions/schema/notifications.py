"""`Notification` and the admin-only `notifications` query (merged into `Query`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.types import Info

from ..domain.callers import Role
from ..domain.notifications import Notification as DomainNotification
from ..domain.notifications import NotificationKind, NotificationStatus
from ..service.notifications import DEFAULT_PAGE, MAX_PAGE, list_notifications
from .directives import requires_role
from .types import Connection, Participant

NotificationKindEnum = strawberry.enum(NotificationKind, name="NotificationKind")
NotificationStatusEnum = strawberry.enum(
    NotificationStatus,
    name="NotificationStatus",
    description="PENDING until the webhook accepts it (SENT) or the attempts run out (FAILED, kept).",
)


@strawberry.type(description="A participant notification recorded with a session update, and its delivery.")
class Notification:
    id: strawberry.ID = strawberry.field(description="Also the webhook's Idempotency-Key.")
    session_id: strawberry.ID
    kind: NotificationKindEnum  # type: ignore[valid-type]
    message: str | None
    recipients: list[Participant] = strawberry.field(
        description="The session's participants after the change."
    )
    status: NotificationStatusEnum  # type: ignore[valid-type]
    attempts: int = strawberry.field(description="Delivery attempts made so far.")
    last_error: str | None = strawberry.field(description="Why the last failed attempt failed.")
    created_date: datetime
    sent_date: datetime | None
    next_attempt_date: datetime | None = strawberry.field(description="When a PENDING one is tried next.")

    @classmethod
    def from_domain(cls, value: DomainNotification) -> Notification:
        return cls(
            id=strawberry.ID(value.id),
            session_id=strawberry.ID(value.session_id),
            kind=value.kind,
            message=value.message,
            recipients=[Participant.from_domain(item) for item in value.recipients],
            status=value.status,
            attempts=value.attempts,
            last_error=value.last_error,
            created_date=value.created_date,
            sent_date=value.sent_date,
            next_attempt_date=value.next_attempt_at if value.status is NotificationStatus.PENDING else None,
        )


@strawberry.type(description="A page of notifications, newest first.")
class NotificationConnection(Connection[Notification]):
    pass


@strawberry.type
class NotificationsQuery:
    @strawberry.field(
        extensions=[requires_role(Role.BOOKINGS_ADMIN)],
        description=f"Participant notifications and their delivery state, newest first "
        f"(`first`: 1 to {MAX_PAGE}).",
    )
    async def notifications(
        self,
        info: Info[Any, Any],
        session_id: strawberry.ID | None = None,
        status: NotificationStatusEnum | None = None,  # type: ignore[valid-type]
        first: int | None = DEFAULT_PAGE,
        after: str | None = None,
    ) -> NotificationConnection | None:
        page = await list_notifications(
            info.context.services,
            session_id=None if session_id is None else str(session_id),
            status=None if status is None else NotificationStatus(status),
            first=first,
            after=after,
        )
        return NotificationConnection.of(page, Notification.from_domain)
