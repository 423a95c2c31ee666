"""Refusing double bookings on writes: with `REFUSE`, `refusing` holds the leases of every schedule the
written session blocks, reads their busy time as `availability` does and raises SCHEDULE_CONFLICT
before the write (docs/design.md §4, docs/api.md "Refusing double bookings").
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any

from ..domain.availability import occupations
from ..domain.conflicts import ConflictPolicy, ScheduleConflict, checked_span, conflicts_of, moves_busy_time
from ..domain.listing import Window
from ..domain.model import Session
from ..domain.series import Series
from ..storage.leases import SCHEDULES, Leases
from .availability import blocking_sessions
from .listing import expanded
from .services import AppServices

# What a write leaves, or how to make it from what was read (only a checked write needs it).
Written = Session | Series | Callable[[], Session | Series]


def conflict_policy(services: AppServices, options: dict[str, Any] | None) -> ConflictPolicy:
    given = (options or {}).get("conflicts")
    return ConflictPolicy(given if given is not None else services.settings.conflict_policy)


async def left_by(services: AppServices, written: Session | Series, now: datetime) -> list[Session]:
    """What a write leaves: the session, or the series' occurrences within the checked span (stored
    exceptions applied, as listed)."""
    if isinstance(written, Session):
        return [written]
    return await expanded(services, [written], checked_span(written.current.start.utc, now))


def refusing(
    services: AppServices,
    policy: ConflictPolicy,
    written_id: str,
    written: Written,
    now: datetime,
    changed: Iterable[str] | None = None,
    *,
    replaces: str | None = None,
) -> AbstractAsyncContextManager[None]:
    """Runs the wrapped write only if what it leaves double-books nothing (with REFUSE, under the leases).
    `written`: what the write leaves, or how to make it (made only when checked); `changed`: the fields
    an update changes (None for a create); `replaces`: the series a split's new series takes occurrences
    from (they are the same occurrences, so never a conflict). Nothing to check: nothing held or read."""
    if not (policy.refuses and moves_busy_time(changed)):
        return contextlib.nullcontext()
    made = written if isinstance(written, Session | Series) else written()
    return _checked(services, written_id, made, now, replaces)


@contextlib.asynccontextmanager
async def _checked(
    services: AppServices, written_id: str, written: Session | Series, now: datetime, replaces: str | None
) -> AsyncIterator[None]:
    sessions = await left_by(services, written, now)
    wanted = occupations(sessions)
    if not wanted:
        yield
        return
    schedules = sorted({item.schedule_id for item in wanted})
    reach = Window(start=min(item.start for item in wanted), end=max(item.end for item in wanted))
    async with Leases(services.store.db, SCHEDULES).held(schedules):
        existing = await blocking_sessions(services, schedules, reach)
        found = conflicts_of(sessions, existing, {written_id} | ({replaces} if replaces else set()))
        if found:
            raise ScheduleConflict(found)
        yield
