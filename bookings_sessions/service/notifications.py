"""`notifications(sessionId, status, first, after)`: the outbox's delivery state, for admins."""

from __future__ import annotations

from ..domain.notifications import Notification, NotificationStatus
from ..domain.paging import Page, SortKey, decode_cursor, page_size
from .services import AppServices

DEFAULT_PAGE = 20
MAX_PAGE = 100


def _newest_first_key(notification: Notification) -> SortKey:
    return (notification.created_date, notification.id)


async def list_notifications(
    services: AppServices,
    *,
    session_id: str | None,
    status: NotificationStatus | None,
    first: int | None,
    after: str | None,
) -> Page[Notification]:
    size = page_size(first, default=DEFAULT_PAGE, maximum=MAX_PAGE)
    position = None if after is None else decode_cursor(after)
    items, has_next = await services.outbox.page(
        session_id=session_id, status=status, first=size, after=position
    )
    return Page.of(items, has_next, _newest_first_key)
