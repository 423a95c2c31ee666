"""Session use cases: validate input, check rules in the domain, then one guarded write in storage."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from ..domain.commands import NewSession, NotificationRequest, SessionPatch, validated
from ..domain.errors import Conflict, NotFound
from ..domain.model import Session
from ..domain.notifications import outbox_entries
from ..domain.patch import Changes, cancel_changes, new_single_session, plan_patch
from .context import Context

# Compare-and-swap retries: a few are plenty, the loser re-reads and re-plans against the winner's write.
MAX_WRITE_ATTEMPTS = 5


def utc_now() -> datetime:
    # BSON dates hold milliseconds; trimming here keeps what we return equal to what we store.
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def new_session_id() -> str:
    return uuid.uuid4().hex


async def load_session(ctx: Context, session_id: str) -> Session:
    session = await ctx.store.get(session_id)
    if session is None:
        raise NotFound(f"no session with id {session_id!r}", field="sessionId")
    return session


async def create_session(ctx: Context, session_info: dict[str, Any]) -> Session:
    command = validated(NewSession, session_info, "sessionInfo")
    session = new_single_session(
        command, session_id=new_session_id(), business_zone=ctx.business_zone, now=utc_now()
    )
    await ctx.store.insert(session)
    ctx.services.events.publish(session)
    return session


async def _write_with_retry(
    ctx: Context,
    session_id: str,
    plan: Any,
    *,
    notification: NotificationRequest | None = None,
    change_kind: str = "UPDATED",
) -> Session:
    """Read, plan the change against what was read, write only if nobody wrote in between."""
    for _attempt in range(MAX_WRITE_ATTEMPTS):
        current = await load_session(ctx, session_id)
        changes: Changes = plan(current)
        now = utc_now()
        outbox = outbox_entries(current, changes, notification, change_kind=change_kind, now=now)
        if not changes and not outbox:
            return current
        updated = await ctx.store.patch(session_id, current.revision, changes, now=now, outbox=outbox)
        if updated is not None:
            ctx.services.events.publish(updated)
            return updated
    raise Conflict("the session kept changing while we tried to update it; try again")


def notification_request(options: dict[str, Any] | None) -> NotificationRequest | None:
    given = (options or {}).get("participant_notification")
    return None if given is None else validated(NotificationRequest, given, "options.participantNotification")


async def update_session(
    ctx: Context, session_id: str, session_info: dict[str, Any], options: dict[str, Any] | None = None
) -> Session:
    patch = validated(SessionPatch, session_info, "sessionInfo")
    notification = notification_request(options)
    return await _write_with_retry(
        ctx,
        session_id,
        lambda current: plan_patch(current, patch, business_zone=ctx.business_zone),
        notification=notification,
        change_kind="UPDATED",
    )


async def delete_session(ctx: Context, session_id: str, options: dict[str, Any] | None = None) -> Session:
    notification = notification_request(options)
    return await _write_with_retry(
        ctx, session_id, cancel_changes, notification=notification, change_kind="CANCELLED"
    )


async def load_many(ctx: Context, session_ids: list[str]) -> list[Session | None]:
    """DataLoader batch function: sessions in the order asked, None where an id is unknown."""
    found = await ctx.store.get_many(list(dict.fromkeys(session_ids)))
    return [found.get(session_id) for session_id in session_ids]
