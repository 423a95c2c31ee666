"""Participant notifications (docs/design.md §5): what goes into the outbox with a session write, and
the pure rules of delivering it (state, retry delays). No I/O here."""

from __future__ import annotations

import random
import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

from .commands import NotificationRequest
from .model import Session
from .values import Participant, SessionStatus

_RNG = random.Random()


class NotificationKind(StrEnum):
    UPDATED = "UPDATED"
    CANCELLED = "CANCELLED"


class NotificationStatus(StrEnum):
    PENDING = "PENDING"
    SENT = "SENT"
    FAILED = "FAILED"


class DeliveryState(BaseModel):
    """Where a webhook delivery stands: notifications and change events are delivered alike (§5, §9)."""

    model_config = ConfigDict(frozen=True)

    created_date: datetime
    status: NotificationStatus = NotificationStatus.PENDING
    attempts: int = 0
    last_error: str | None = None
    sent_date: datetime | None = None
    next_attempt_at: datetime | None = None
    lease_generation: int = 0


class Notification(DeliveryState):
    """A notification as the dispatcher and the admin query see it."""

    id: str
    session_id: str
    kind: NotificationKind
    message: str | None = None
    recipients: tuple[Participant, ...] = ()


def outbox_entries(
    current: Session,
    changes: dict[str, Any],
    request: NotificationRequest | None,
    *,
    change_kind: str,
    now: datetime,
) -> list[Notification]:
    """Entries to record atomically with the write; empty when no notification was asked for.

    The recipients are the participants after the change: replacing the participants and notifying
    in one update tells the new list, which is who the message is about.
    """
    if request is None or not request.notify_participants:
        return []
    kind = NotificationKind(change_kind)
    if changes.get("status") == SessionStatus.CANCELLED:
        # `updateSession(status: CANCELLED)` cancels just as `deleteSession` does; say so.
        kind = NotificationKind.CANCELLED
    participants: tuple[Participant, ...] = changes.get("participants", current.participants)
    return [
        Notification(
            id=uuid.uuid4().hex,
            session_id=current.id,
            kind=kind,
            message=request.message,
            recipients=participants,
            created_date=now,
        )
    ]


def retry_delay(
    attempts: int, *, base_seconds: float, cap_seconds: float, rng: random.Random | None = None
) -> float:
    """Seconds before the next try after `attempts` failed ones: exponential, capped, with jitter.

    "Equal jitter": half the delay is fixed, half random, so retries from many notifications that
    failed together spread out, yet none comes back sooner than half the exponential step.
    """
    step = min(cap_seconds, base_seconds * 2.0 ** max(0, attempts - 1))
    return step / 2 + (rng or _RNG).uniform(0, step / 2)
