"""Scope THIS_AND_FOLLOWING on an instance: split the series there (update) or end it there (delete),
each attempt recognising a retry of the same request by its derived id (docs/design.md §2, "Retries and
races of a split"; its change events: §9).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from ..change_log.recording import change_of, changed_fields, creation_of
from ..domain.changes import Change, of_split
from ..domain.commands import NotificationRequest, SessionPatch
from ..domain.conflicts import ConflictPolicy
from ..domain.errors import BadUserInput, Conflict, fields_of
from ..domain.model import Session
from ..domain.notifications import Notification, NotificationKind, outbox_entries
from ..domain.recurrence import instance_id as occurrence_id
from ..domain.series import Series, find_occurrence, instance_session
from ..domain.series_split import (
    SplitPlan,
    end_before,
    ended_before,
    first_date,
    has_occurrence_before,
    plan_split,
    split_date,
    split_id,
)
from ..storage import splits
from ..storage.clock import utc_now
from ..storage.write_lock import compare_and_swap, session_lock
from . import conflicts
from .lookups import not_found, series_of
from .revisions import check_revision, instance_revision
from .seat_leases import seats_held
from .services import AppServices

# An uncommitted split older than this is rolled back by the sweep (younger ones may be in flight).
SWEEP_AFTER = timedelta(minutes=5)


# How many splits deep an occurrence is followed (each split of a split is one more).
MAX_HOPS = 8


@dataclass(frozen=True)
class WholeSeries:
    """Nothing precedes the split point: the caller changes the whole series instead (comparing an
    `expectedRevision` with the instance the client named, in each attempt of that write)."""


@dataclass(frozen=True)
class Moved:
    """Another request split the named occurrence off into a new series: the caller applies this
    request (which has no `expectedRevision`) to the occurrence there, `instance_id`."""

    instance_id: str


def _notify(
    before: Session,
    after: Session,
    notification: NotificationRequest | None,
    kind: NotificationKind,
    now: datetime,
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


async def _split_before(services: AppServices, series: Series, request: str) -> Session | None:
    """This request's split, if an attempt of it committed (its answer lost): finish it, and answer
    its first instance, as the first attempt did."""
    tail_id = split_id(series.id, request)
    if tail_id not in await splits.committed_splits(services.store, series.id):
        return None
    async with session_lock(tail_id):
        await splits.finish(services.store, tail_id)
    tail = await services.store.load(tail_id)
    day = first_date(tail) if isinstance(tail, Series) else None
    return None if day is None or not isinstance(tail, Series) else await _named(services, tail, day)


async def _abandon(services: AppServices, series_id: str, tail_id: str | None) -> None:
    """This request's pending split, which can no longer commit: removed now rather than by the
    sweep (a committed one, however unfinished, is never touched)."""
    if tail_id is not None and tail_id not in await splits.committed_splits(services.store, series_id):
        await splits.roll_back(services.store, tail_id)


async def _moved_to(services: AppServices, series_id: str, day: date, hops: int = MAX_HOPS) -> Session | None:
    """The occurrence on `day` in the series a split of this one took it to, if one did."""
    tails = await services.store.get_many(await splits.committed_splits(services.store, series_id))
    for tail in tails.values():
        if not isinstance(tail, Series):
            continue
        if find_occurrence(tail, day) is not None:
            return await _named(services, tail, day)
        first = first_date(tail)
        if hops and first is not None and first <= day:
            found = await _moved_to(services, tail.id, day, hops - 1)
            if found is not None:
                return found
    return None


async def _elsewhere(
    services: AppServices, series: Series, instance_id: str, occurrence_date: date, expected: int | None
) -> Moved:
    """The named occurrence left the series through another request (a split or an end). With an
    `expectedRevision` that is a stale edit: CONFLICT with the revision the instance would show now
    (above the one read) and, if split off, its id now. Without one the request follows it there."""
    moved = await _moved_to(services, series.id, occurrence_date)
    if moved is None and not (
        ended_before(series, occurrence_date) and any(await splits.recorded(services.store, series.id))
    ):
        raise not_found(instance_id)  # never an occurrence: no edit to be stale
    if expected is not None:
        what = "was split off into another series" if moved else "was ended (the series stops before it)"
        raise Conflict(
            f"the occurrence {what} by another write since revision {expected}: re-read it and retry",
            current_revision=await instance_revision(services, series, occurrence_date),
            moved_to=None if moved is None else moved.id,
        )
    if moved is None:
        raise not_found(instance_id)
    return Moved(moved.id)


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
    request: str,
    policy: ConflictPolicy = ConflictPolicy.ALLOW,
) -> Session | WholeSeries | Moved:
    """The change applied from this occurrence on, as a new series; the original ends before it.
    WholeSeries when nothing would be left before it: the caller updates the whole series instead.
    `request`: `scoped_request` of this request, which names the new series; `policy`: whether the new
    series may double-book (checked, like an update, only when the change moves busy time)."""
    split = _Split(services, instance_id, series_id, occurrence_date, patch, notification, expected_revision)
    # It moves the exceptions it takes (their seats): no booking of one may land in between, in any process.
    async with session_lock(series_id), seats_held(services, series_id, True):
        done: Session | WholeSeries | Moved | None = await compare_and_swap(
            lambda: split.attempt(request, policy)
        )
    if done is None:
        raise Conflict("the recurring session kept changing while we tried to update it; try again")
    return done


@dataclass
class _Split:
    """One THIS_AND_FOLLOWING update, attempted until its commit write wins (`compare_and_swap`)."""

    services: AppServices
    instance_id: str
    series_id: str
    occurrence_date: date
    patch: SessionPatch
    notification: NotificationRequest | None
    expected_revision: int | None
    written: str | None = None  # this request's pending split, once put

    async def attempt(self, request: str, policy: ConflictPolicy) -> Session | WholeSeries | Moved | None:
        """Read, plan and write the split; None when someone wrote the original meanwhile."""
        services, series_id, occurrence_date = self.services, self.series_id, self.occurrence_date
        now = utc_now()
        series = await series_of(services, series_id, self.instance_id)
        done = await _split_before(services, series, request)
        if done is not None:
            return done
        if find_occurrence(series, occurrence_date) is None:
            await _abandon(services, series_id, self.written)
            return await _elsewhere(
                services, series, self.instance_id, occurrence_date, self.expected_revision
            )
        named = await _named(services, series, occurrence_date)
        if self.expected_revision is not None and named.revision != self.expected_revision:
            await _abandon(services, series_id, self.written)
            check_revision(named, self.expected_revision)
        day = _first_day_to_change(series, occurrence_date, now)
        # The named occurrence may have started: the split then starts at the next one.
        before = named if day == occurrence_date else await _named(services, series, day)
        if not has_occurrence_before(series, day):
            # Nothing before it: "this and following" is the whole series (ALL).
            return WholeSeries()
        overrides = await services.store.find_overrides(
            [series_id], day, date.max, datetime.max.replace(tzinfo=UTC), now
        )
        with fields_of("session_info"):
            plan = plan_split(
                series,
                day,
                overrides,
                self.patch,
                request=request,
                business_zone=services.business_zone,
                now=now,
            )
        if plan is None:
            return before
        return await self._write(series, plan, before, policy, now)

    async def _write(
        self, series: Series, plan: SplitPlan, before: Session, policy: ConflictPolicy, now: datetime
    ) -> Session | None:
        """The pending new series, then the original's commit write (None if it lost its race: plan
        again, same ids, same docs), then the split finished."""
        store, day = self.services.store, plan.day
        after = instance_session(
            plan.tail, day, next((o for o in plan.moved if o.occurrence_date == day), None)
        )
        assert after is not None
        original_before, original_after = series.as_session(), plan.original.as_session()
        ended, created, moved = _split_events(plan, series, now)
        updated = NotificationKind.UPDATED
        async with conflicts.refusing(
            self.services, policy, plan.tail.id, plan.tail, now, self.patch.given, replaces=series.id
        ):
            await splits.put_pending(
                store,
                plan.tail,
                series.id,
                plan.moved,
                _notify(before, after, self.notification, updated, now),
                change=created,
                moved_changes=moved,
            )
            self.written = plan.tail.id
            committed = await store.replace_series(
                plan.original,
                series.revision,
                change=ended,
                outbox=_notify(original_before, original_after, self.notification, updated, now),
                split_into=plan.tail.id,
            )
        if not committed:
            return None
        async with session_lock(plan.tail.id):
            await splits.finish(store, plan.tail.id)
        return after


async def _ended_before(services: AppServices, series: Series, request: str) -> Session | None:
    """The series this request ended, if an attempt of it did (its answer lost), as it is now."""
    _, endings = await splits.recorded(services.store, series.id)
    return series.as_session() if split_id(series.id, request) in endings else None


async def end_series(
    services: AppServices,
    instance_id: str,
    series_id: str,
    occurrence_date: date,
    notification: NotificationRequest | None,
    expected_revision: int | None,
    request: str,
) -> Session | WholeSeries | Moved:
    """Delete with THIS_AND_FOLLOWING: the series ends before this occurrence (or the first one that
    has not started). WholeSeries when nothing would be left before it: the caller cancels the whole
    series. The write leaves the mark of `request` (`scoped_request`), which a retry finds."""

    async def attempt() -> Session | WholeSeries | Moved | None:
        now = utc_now()
        series = await series_of(services, series_id, instance_id)
        done = await _ended_before(services, series, request)
        if done is not None:
            return done
        if find_occurrence(series, occurrence_date) is None:
            return await _elsewhere(services, series, instance_id, occurrence_date, expected_revision)
        if expected_revision is not None:
            check_revision(await _named(services, series, occurrence_date), expected_revision)
        day = _first_day_to_change(series, occurrence_date, now)
        if not has_occurrence_before(series, day):
            return WholeSeries()
        ended = end_before(series, day, now)
        before, after = series.as_session(), ended.as_session()
        outbox = _notify(before, after, notification, NotificationKind.CANCELLED, now)
        change = _ended(before, ended, now)
        mark = split_id(series_id, request)
        written = await services.store.replace_series(
            ended, series.revision, change=change, outbox=outbox, ended_by=mark
        )
        return after if written else None

    async with session_lock(series_id):
        done: Session | WholeSeries | Moved | None = await compare_and_swap(attempt)
    if done is None:
        raise Conflict("the recurring session kept changing while we tried to update it; try again")
    return done


async def sweep_splits(services: AppServices) -> tuple[list[str], list[str]]:
    """At startup: finish the splits a crash left committed, roll back the stale uncommitted ones."""
    return await splits.sweep(services.store, older_than=utc_now() - SWEEP_AFTER)
