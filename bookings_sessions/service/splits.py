"""Scope THIS_AND_FOLLOWING on an instance: split the series there (update) or end it there (delete).

Kept apart from `sessions.py`. What is recorded per affected series rides in that series' write:
participant notifications (the outbox) and one change event (docs/design.md §9) — UPDATED for the
original (its new UNTIL, in the commit write), CREATED for the new series (in its pending insert,
published only once the split is committed), both saying where the occurrences went; and a CREATED
for each moved exception, recorded once the split is committed. Live `sessionUpdated` events follow
from the change log.

`expectedRevision` is checked against the instance the client named, as `session(id)` shows it, in
each attempt before anything is written. A retry of a split that was already committed is not checked:
that instance is no longer the original's, and the request's own first attempt checked it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from ..domain.changes import Change, of_split
from ..domain.commands import NotificationRequest, SessionPatch
from ..domain.errors import BadUserInput, Conflict, fields_of
from ..domain.model import Session
from ..domain.notifications import Notification, outbox_entries
from ..domain.recurrence import instance_id as occurrence_id
from ..domain.series import Series, find_occurrence, instance_session
from ..domain.series_split import (
    SplitPlan,
    end_before,
    has_occurrence_before,
    plan_split,
    split_date,
    split_id,
)
from ..storage import splits
from ..storage.clock import utc_now
from ..storage.write_lock import MAX_WRITE_ATTEMPTS, session_lock
from .change_events import change_of, changed_fields, creation_of
from .lookups import not_found, series_of
from .revisions import check_revision
from .seat_leases import seats_held
from .services import AppServices

# An uncommitted split older than this is rolled back by the sweep (younger ones may be in flight).
SWEEP_AFTER = timedelta(minutes=5)


@dataclass(frozen=True)
class WholeSeries:
    """Nothing precedes the split point: the caller changes the whole series instead, expecting it
    at this revision if the client gave one (the one read when the named instance was checked)."""

    expected_revision: int | None


def _whole_series(series: Series, expected_revision: int | None) -> WholeSeries:
    return WholeSeries(None if expected_revision is None else series.revision)


def _notify(
    before: Session, after: Session, notification: NotificationRequest | None, kind: str, now: datetime
) -> list[Notification]:
    return outbox_entries(after, changed_fields(before, after), notification, change_kind=kind, now=now)


def _ended(before: Session, ended: Series, now: datetime) -> Change:
    """The original series' event: UPDATED, its recurrence now ending before the split date."""
    after = ended.as_session()
    return change_of(before, changed_fields(before, after), revision=ended.revision, now=now, after=after)


def _split_events(plan: SplitPlan, series: Series, now: datetime) -> tuple[Change, Change, list[Change]]:
    """The original's UPDATED, the new series' CREATED and each moved exception's CREATED, each saying
    where the occurrences from the split date on went (docs/recurring.md, splitting)."""
    day, tail = plan.day, plan.tail.as_session()
    ended = of_split(_ended(series.as_session(), plan.original, now), day, split_into=tail.id)
    created = of_split(creation_of(tail, now), day, split_from=series.id)
    moved = [
        of_split(
            creation_of(tail.model_copy(update={"id": override.id}), now),
            day,
            split_from=occurrence_id(series.id, override.occurrence_date),
        )
        for override in plan.moved
    ]
    return ended, created, moved


async def _resumed(services: AppServices, series: Series, occurrence_date: date) -> Session | None:
    """A retry of a split that was already committed: finish it and answer its new instance."""
    tail_id = split_id(series.id, occurrence_date)
    if tail_id not in await splits.committed_splits(services.store, series.id):
        return None
    async with session_lock(tail_id):
        await splits.finish(services.store, tail_id)
    tail = await services.store.load(tail_id)
    if not isinstance(tail, Series):
        return None
    return instance_session(tail, occurrence_date, await services.store.get_override(tail_id))


def _first_day_to_change(series: Series, occurrence_date: date, now: datetime) -> date:
    """This occurrence's date, or the next one's if it has started: past occurrences never change."""
    day = split_date(series, occurrence_date, now)
    if day is None:
        raise BadUserInput("no occurrence from here on has not started yet", field="options.scope")
    return day


async def _named(services: AppServices, series: Series, occurrence_date: date) -> Session:
    """The instance the client named, as `session(id)` shows it: its revision is the one it read."""
    override = await services.store.get_override(occurrence_id(series.id, occurrence_date))
    found = instance_session(series, occurrence_date, override)
    assert found is not None, "callers checked that it is an occurrence"
    return found


async def split_series(
    services: AppServices,
    instance_id: str,
    series_id: str,
    occurrence_date: date,
    patch: SessionPatch,
    notification: NotificationRequest | None,
    expected_revision: int | None,
) -> Session | WholeSeries:
    """The change applied from this occurrence on, as a new series; the original ends before it.
    WholeSeries when nothing would be left before it: the caller updates the whole series instead."""
    store = services.store
    # It moves the exceptions it takes (their seats): no booking of one may land in between, in any process.
    async with session_lock(series_id), seats_held(services, series_id, True):
        for _ in range(MAX_WRITE_ATTEMPTS):
            now = utc_now()
            series = await series_of(services, series_id, instance_id)
            if find_occurrence(series, occurrence_date) is None:
                resumed = await _resumed(services, series, occurrence_date)
                if resumed is not None:
                    return resumed
                raise not_found(instance_id)
            named = await _named(services, series, occurrence_date)
            check_revision(named, expected_revision)
            day = _first_day_to_change(series, occurrence_date, now)
            # The named occurrence may have started: the split then starts at the next one.
            before = named if day == occurrence_date else await _named(services, series, day)
            if not has_occurrence_before(series, day):
                # Nothing before it: "this and following" is the whole series (ALL).
                return _whole_series(series, expected_revision)
            overrides = await store.find_overrides(
                [series_id], day, date.max, datetime.max.replace(tzinfo=UTC), now
            )
            with fields_of("session_info"):
                plan = plan_split(
                    series, day, overrides, patch, business_zone=services.business_zone, now=now
                )
            if plan is None:
                return before
            after = instance_session(
                plan.tail, day, next((o for o in plan.moved if o.occurrence_date == day), None)
            )
            assert after is not None
            original_before, original_after = series.as_session(), plan.original.as_session()
            ended, created, moved = _split_events(plan, series, now)
            await splits.put_pending(
                store,
                plan.tail,
                series_id,
                plan.moved,
                _notify(before, after, notification, "UPDATED", now),
                change=created,
                moved_changes=moved,
            )
            committed = await store.replace_series(
                plan.original,
                series.revision,
                change=ended,
                outbox=_notify(original_before, original_after, notification, "UPDATED", now),
                split_into=plan.tail.id,
            )
            if not committed:
                continue  # someone wrote the original meanwhile: plan again (same ids, same docs)
            async with session_lock(plan.tail.id):
                await splits.finish(store, plan.tail.id)
            return after
    raise Conflict("the recurring session kept changing while we tried to update it; try again")


async def end_series(
    services: AppServices,
    instance_id: str,
    series_id: str,
    occurrence_date: date,
    notification: NotificationRequest | None,
    expected_revision: int | None,
) -> Session | WholeSeries:
    """Delete with THIS_AND_FOLLOWING: the series ends before this occurrence (or the first one that
    has not started). WholeSeries when nothing would be left before it: the caller cancels the whole
    series."""
    store = services.store
    async with session_lock(series_id):
        for _ in range(MAX_WRITE_ATTEMPTS):
            now = utc_now()
            series = await series_of(services, series_id, instance_id)
            if find_occurrence(series, occurrence_date) is None:
                raise not_found(instance_id)
            if expected_revision is not None:
                check_revision(await _named(services, series, occurrence_date), expected_revision)
            day = _first_day_to_change(series, occurrence_date, now)
            if not has_occurrence_before(series, day):
                return _whole_series(series, expected_revision)
            ended = end_before(series, day, now)
            before, after = series.as_session(), ended.as_session()
            outbox = _notify(before, after, notification, "CANCELLED", now)
            change = _ended(before, ended, now)
            if await store.replace_series(ended, series.revision, change=change, outbox=outbox):
                return after
    raise Conflict("the recurring session kept changing while we tried to update it; try again")


async def sweep_splits(services: AppServices) -> tuple[list[str], list[str]]:
    """At startup: finish the splits a crash left committed, roll back the stale uncommitted ones."""
    return await splits.sweep(services.store, older_than=utc_now() - SWEEP_AFTER)
