"""`notifications(sessionId, status, first, after)`: the outbox's delivery state, for admins."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime

from ..domain.errors import BadUserInput
from ..domain.notifications import Notification, NotificationStatus
from ..storage.outbox import OutboxStore
from .context import Context

DEFAULT_PAGE = 20
MAX_PAGE = 100


@dataclass(frozen=True, slots=True)
class NotificationPage:
    items: list[Notification]
    end_cursor: str | None
    has_next_page: bool


def encode_cursor(notification: Notification) -> str:
    millis = int(notification.created_date.timestamp() * 1000)
    return base64.urlsafe_b64encode(f"{millis}:{notification.id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """Opaque to clients; a cursor that is not one of ours is the client's error, named as `after`."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        millis, notification_id = raw.split(":", 1)
        created = datetime.fromtimestamp(int(millis) / 1000, UTC)
    except (binascii.Error, UnicodeDecodeError, ValueError, OverflowError, OSError):
        raise BadUserInput("after: not a cursor returned by this query", field="after") from None
    if not notification_id:
        raise BadUserInput("after: not a cursor returned by this query", field="after")
    return created, notification_id


async def list_notifications(
    ctx: Context,
    *,
    session_id: str | None,
    status: NotificationStatus | None,
    first: int,
    after: str | None,
) -> NotificationPage:
    if not 1 <= first <= MAX_PAGE:
        raise BadUserInput(f"first: must be between 1 and {MAX_PAGE}", field="first")
    position = None if after is None else decode_cursor(after)
    # The outbox shares the sessions' database; a store object is just two collection handles.
    outbox = OutboxStore(ctx.store.db)
    items, has_next = await outbox.page(session_id=session_id, status=status, first=first, after=position)
    end_cursor = encode_cursor(items[-1]) if items else None
    return NotificationPage(items=items, end_cursor=end_cursor, has_next_page=has_next)
