"""`Subscription.sessionUpdated`: sessions written through any server process, fed from the change log."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import strawberry
from strawberry.types import Info

from ..domain.callers import SENSITIVE_READERS
from .directives import requires_role
from .types import Session


@strawberry.type
class Subscription:
    @strawberry.subscription(
        extensions=[requires_role(*SENSITIVE_READERS)],
        description=(
            "Sessions created, updated or cancelled through any server process, as they are once the "
            "change is in the change log (several changes to one session in a moment may arrive as one), "
            "optionally only those of one schedule. Over graphql-transport-ws; the token goes in the "
            'connection_init payload as {"Authorization": "Bearer <token>"}.'
        ),
    )
    async def session_updated(
        self, info: Info[Any, Any], schedule_id: str | None = None
    ) -> AsyncGenerator[Session, None]:
        async for session in info.context.services.events.subscribe(schedule_id):
            yield Session.from_domain(session)
