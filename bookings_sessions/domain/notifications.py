"""Participant notifications: what goes into the outbox with a session write (DESIGN §5)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .commands import NotificationRequest
from .model import Session


def outbox_entries(
    current: Session,
    changes: dict[str, Any],
    request: NotificationRequest | None,
    *,
    change_kind: str,
    now: datetime,
) -> list[dict[str, Any]]:
    """Entries to record atomically with the write; empty when no notification was asked for."""
    return []
