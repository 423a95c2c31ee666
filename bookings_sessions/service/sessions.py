"""Session use cases: validate input, apply the domain's rules, then one guarded write in storage, retried
as a compare-and-swap on `revision` (docs/design.md §4). Input errors name their field under the use
case's own input (`session_info.end`); the API maps those names to its arguments.
"""

from __future__ import annotations

import contextlib
import functools
import uuid
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from ..change_log.recording import change_of, changed_fields, creation_of
from ..domain.changes import record_change
from ..domain.commands import NewSession, NotificationRequest, SessionPatch, validated
from ..domain.conflicts import ConflictPolicy
from ..domain.errors import BadUserInput, Conflict, fields_of
from ..domain.idempotency import KeyRecord, checked_key, fingerprint, key_id
from ..domain.model import Session
from ..domain.notifications import NotificationKind, outbox_entries
from ..domain.occurrence_capacity import books_seats, check_occurrences, seats_may_change
from ..domain.patch import apply_changes, blind_patch, new_single_session, plan_patch
from ..domain.recurrence import parse_instance_id
from ..domain.series import InstanceOverride, Series, instance_session, restamped
from ..domain.series_patch import new_series, plan_instance_update, plan_series_update
from ..domain.series_split import scoped_request
from ..domain.values import EditScope, SessionStatus
from ..storage.clock import utc_now
from ..storage.write_lock import compare_and_swap, session_lock
from . import conflicts, splits
from .lookups import not_found, series_of
from .revisions import check_revision, instance_revision
from .seat_leases import seats_held
from .services import AppServices

# A write step: given the time, read + plan + write; returns the new session, or None if it lost a race.
WriteStep = Callable[[datetime], Awaitable[Session | None]]


def new_session_id() -> str:
    return uuid.uuid4().hex


async def _load_instance(
    services: AppServices, session_id: str, series_id: str, occurrence_date: date
) -> tuple[Series, InstanceOverride | None, Session]:
    """An instance's series, its stored exception (if any) and the instance as clients see it."""
    series = await series_of(services, series_id, session_id)
    override = await services.store.get_override(session_id)
    found = instance_session(series, occurrence_date, override)
    if found is None:
        raise not_found(session_id)
    return series, override, found


async def load_session(services: AppServices, session_id: str) -> Session:
    """A single session, a series, or an instance (virtual or stored) by its id."""
    parsed = parse_instance_id(session_id)
    if parsed is not None:
        _, _, found = await _load_instance(services, session_id, *parsed)
        return found
    stored = await services.store.load(session_id)
    if stored is None:
        raise not_found(session_id)
    return stored.as_session() if isinstance(stored, Series) else stored


async def load_many(services: AppServices, session_ids: list[str]) -> list[Session | None]:
    """DataLoader batch: sessions, series, and instances (with their series) in one round trip."""
    wanted = set(session_ids)
    instances = {sid: parsed for sid in wanted if (parsed := parse_instance_id(sid)) is not None}
    wanted.update(series_id for series_id, _ in instances.values())
    stored = await services.store.get_many(sorted(wanted))
    results: list[Session | None] = []
    for session_id in session_ids:
        if session_id in instances:
            series_id, occurrence_date = instances[session_id]
            series = stored.get(series_id)
            override = stored.get(session_id)
            results.append(
                instance_session(
                    series, occurrence_date, override if isinstance(override, InstanceOverride) else None
                )
                if isinstance(series, Series)
                else None
            )
            continue
        found = stored.get(session_id)
        if isinstance(found, Series):
            results.append(found.as_session())
        else:
            results.append(found if isinstance(found, Session) else None)
    return results


def _planned(
    services: AppServices, session_info: dict[str, Any], session_id: str, now: datetime
) -> Session | Series:
    """The session or series to insert; every input error is raised here, before anything is written."""
    zone = services.business_zone
    with fields_of("session_info"):
        command = validated(NewSession.model_validate, session_info)
        if command.recurrence is not None:
            return new_series(command, session_id=session_id, business_zone=zone, now=now)
        return new_single_session(command, session_id=session_id, business_zone=zone, now=now)


async def _insert(
    services: AppServices, planned: Session | Series, now: datetime, policy: ConflictPolicy
) -> Session:
    """One insert carrying its CREATED change event (docs/design.md §9), unless it would double-book
    under `policy` (service/conflicts.py)."""
    session = planned.as_session() if isinstance(planned, Series) else planned
    change = creation_of(session, now)
    async with conflicts.refusing(services, policy, planned.id, planned, now):
        if isinstance(planned, Series):
            await services.store.insert_series(planned, change=change)
        else:
            await services.store.insert(planned, change=change)
    return session


async def create_session(
    services: AppServices,
    session_info: dict[str, Any],
    *,
    subject: str | None = None,
    idempotency_key: str | None = None,
    options: dict[str, Any] | None = None,
) -> Session:
    """With a key: the same caller's same key within the window returns the session it created first."""
    now = utc_now()
    planned = _planned(services, session_info, new_session_id(), now)
    policy = conflicts.conflict_policy(services, options)
    if idempotency_key is None:
        return await _insert(services, planned, now, policy)
    record = KeyRecord(
        id=key_id(subject, checked_key(idempotency_key)),
        session_id=planned.id,
        fingerprint=fingerprint(session_info),
        created_at=now,
    )
    # The key first (an atomic insert), then the session with the id the key names: a retry after a
    # crash between the two writes still creates exactly that session.
    holder = await services.idempotency_keys.claim(record)
    if holder.fingerprint != record.fingerprint:
        raise BadUserInput(
            "was already used for a different request; use a new key for a new session",
            field="idempotency_key",
        )
    if holder.session_id != planned.id:
        existing = await services.store.load(holder.session_id)
        if existing is not None:
            return existing.as_session() if isinstance(existing, Series) else existing
        planned = _planned(services, session_info, holder.session_id, now)
    try:
        return await _insert(services, planned, now, policy)
    except Conflict:
        # A concurrent retry with the same key inserted it first: answer what it stored.
        return await load_session(services, holder.session_id)


@dataclass(frozen=True)
class SessionWrite:
    """One update or delete as `_apply` carries it: what it changes, who sends it, and its options.

    `through`: the occurrence date a scope ALL update named (its times are that occurrence's); `named`:
    the date of the instance a write to its whole series was asked through, whose revision (as it
    showed it) `expected_revision` is compared with; `caller`: the token's subject.
    """

    patch: SessionPatch
    notification: NotificationRequest | None
    kind: NotificationKind
    expected_revision: int | None = None
    scope: EditScope | None = None
    policy: ConflictPolicy = ConflictPolicy.ALLOW
    caller: str | None = None
    through: date | None = None
    named: date | None = None

    @property
    def may_skip_read(self) -> bool:
        """Whether the write may go without reading first (§4). Not with a notification, an expected
        revision or a named occurrence's times to apply; nor when refusing double bookings: the check
        needs the session the write leaves."""
        return (
            self.notification is None
            and self.expected_revision is None
            and self.through is None
            and not self.policy.refuses
        )


async def _with_retries(
    session_id: str, step: WriteStep, held: AbstractAsyncContextManager[None] | None = None
) -> Session:
    """The write under its lock, then `held` (a lease). An instance's exception is written under its
    series' lock: the two documents together decide an occurrence's seats, so a series write and an
    exception's write never plan against each other's old state in this process; the series' lease does
    the same across processes (the capacity rule, docs/design.md §4)."""
    parsed = parse_instance_id(session_id)
    async with session_lock(session_id if parsed is None else parsed[0]), held or contextlib.nullcontext():
        written = await compare_and_swap(lambda: step(utc_now()), backoff=True)
    if written is None:
        raise Conflict("the session kept changing while we tried to update it; try again")
    return written


async def _apply(services: AppServices, session_id: str, write: SessionWrite) -> Session:
    parsed = parse_instance_id(session_id)
    if write.scope is not None:
        scoped = await _apply_scoped(services, session_id, parsed, write)
        if scoped is not None:
            return scoped
    if parsed is not None:
        # A booking reads its series and writes its exception under the series' lease (seat_leases.py).
        held = seats_held(services, parsed[0], books_seats(write.patch.given))
        return await _with_retries(
            session_id, functools.partial(_write_instance, services, session_id, parsed, write), held
        )
    if write.may_skip_read:
        written = await _write_unread(services, session_id, write.patch)
        if written is not None:
            return written
    return await _with_retries(session_id, functools.partial(_write_stored, services, session_id, write))


async def _apply_scoped(
    services: AppServices, session_id: str, parsed: tuple[str, date] | None, write: SessionWrite
) -> Session | None:
    """The session written for the write's scope, or None to go on with the default path."""
    scoped = await _scoped(services, session_id, parsed, write)
    if isinstance(scoped, Session):
        return scoped
    if isinstance(scoped, splits.Moved):
        # Split off by another request (this one expects no revision): follow it there.
        return await _apply(services, scoped.instance_id, write)
    if parsed is not None and write.scope is not EditScope.THIS:
        # ALL, or THIS_AND_FOLLOWING from the first occurrence: the whole series, by its id, the
        # expected revision compared with the named instance's in each attempt. ALL keeps every
        # date: the named occurrence's times say the series' time of day. THIS_AND_FOLLOWING from
        # the first occurrence changes the series from its first start, as given.
        through = parsed[1] if write.scope is EditScope.ALL else None
        whole = replace(write, scope=None, caller=None, through=through, named=parsed[1])
        return await _apply(services, parsed[0], whole)
    return None


async def _write_unread(services: AppServices, session_id: str, patch: SessionPatch) -> Session | None:
    """Most edits (notes, tags, …) of a single session need no read first: one conditional write.
    None when it did not apply (not a single session, nothing would change, …): the caller reads."""
    with fields_of("session_info"):
        blind = blind_patch(patch, business_zone=services.business_zone)
    # Not for a schedule change: the event of a write that did not read must leave the schedule
    # for the sequencer to derive, which needs every schedule change to say what it left (§9).
    if blind is None or "schedule_id" in blind:
        return None
    # Under the same per-id lock as every other write here: FerretDB 1.x does not serialise
    # writes to one document by itself.
    async with session_lock(session_id):
        now = utc_now()
        # Revision and schedule unknown without a read: the sequencer derives them (§9).
        change = record_change(session_id=session_id, changed=blind, now=now, revision=None, schedule_id=None)
        # New times are checked here as a timed session's: an all-day one takes the full path.
        timed = "start" in blind
        return await services.store.patch_if_changed(session_id, blind, now=now, change=change, timed=timed)


async def _write_stored(
    services: AppServices, session_id: str, write: SessionWrite, now: datetime
) -> Session | None:
    """One attempt on a single session or a series: read, plan, guarded write (None: lost the race)."""
    stored = await services.store.load(session_id)
    if stored is None:
        raise not_found(session_id)
    if isinstance(stored, Series):
        return await _write_series(services, stored, write, now)
    return await _write_single(services, stored, write, now)


async def _write_single(
    services: AppServices, stored: Session, write: SessionWrite, now: datetime
) -> Session | None:
    check_revision(stored, write.expected_revision)
    with fields_of("session_info"):
        changes = plan_patch(stored, write.patch, business_zone=services.business_zone)
    outbox = outbox_entries(stored, changes, write.notification, change_kind=write.kind, now=now)
    if not changes and not outbox:
        return stored
    change = record_change(
        session_id=stored.id,
        changed=changes,
        now=now,
        revision=stored.revision + 1,
        schedule_id=changes.get("schedule_id", stored.schedule_id),
        previous_schedule_id=stored.schedule_id,
    )
    after = functools.partial(apply_changes, stored, changes, now=now)
    async with conflicts.refusing(services, write.policy, stored.id, after, now, changes):
        return await services.store.patch(
            stored.id, stored.revision, changes, now=now, change=change, outbox=outbox
        )


async def _write_series(
    services: AppServices, stored: Series, write: SessionWrite, now: datetime
) -> Session | None:
    before = stored.as_session()
    await _check_series_revision(services, stored, before, write)
    with fields_of("session_info"):
        planned = plan_series_update(
            stored, write.patch, business_zone=services.business_zone, now=now, through=write.through
        )
    # Without a plan the series is only re-stamped (to carry a notification): no field changes.
    next_state = planned or stored.model_copy(update={"revision": stored.revision + 1, "updated_date": now})
    after = next_state.as_session()
    changed = changed_fields(before, after)
    outbox = outbox_entries(before, changed, write.notification, change_kind=write.kind, now=now)
    if planned is None and not outbox:
        return before
    change = change_of(before, changed, revision=next_state.revision, now=now, after=after)
    # The occurrences' check and the write under the series' lease: no booking lands in between.
    seats = planned is not None and seats_may_change(stored, planned)
    async with seats_held(services, stored.id, seats):
        if planned is not None and seats:
            await _check_seats(services, stored, planned, write.patch)
        async with conflicts.refusing(services, write.policy, stored.id, next_state, now, changed):
            written = await services.store.replace_series(
                next_state, stored.revision, change=change, outbox=outbox
            )
    return after if written else None


async def _check_series_revision(
    services: AppServices, stored: Series, before: Session, write: SessionWrite
) -> None:
    """A write asked through an instance compares the revision that instance showed; else the series'."""
    if write.named is not None and write.expected_revision is not None:
        check_revision(await instance_revision(services, stored, write.named), write.expected_revision)
    else:
        check_revision(before, write.expected_revision)


async def _check_seats(services: AppServices, stored: Series, planned: Series, patch: SessionPatch) -> None:
    """The capacity rule on the occurrences with exceptions (docs/design.md §4)."""
    overrides = await services.store.series_overrides(stored.id)
    with fields_of("session_info"):
        check_occurrences(stored, planned, overrides, patch.given)


async def _write_instance(
    services: AppServices, session_id: str, parsed: tuple[str, date], write: SessionWrite, now: datetime
) -> Session | None:
    """One attempt on an instance: its exception document inserted or replaced (None: lost the race)."""
    series_id, occurrence_date = parsed
    series, existing, before = await _load_instance(services, session_id, series_id, occurrence_date)
    check_revision(before, write.expected_revision)
    with fields_of("session_info"):
        planned = plan_instance_update(
            series, occurrence_date, existing, write.patch, business_zone=services.business_zone, now=now
        )
    after = before if planned is None else instance_session(series, occurrence_date, planned)
    assert after is not None
    outbox = outbox_entries(
        before, changed_fields(before, after), write.notification, change_kind=write.kind, now=now
    )
    if planned is None and not outbox:
        return before
    # Only a notification to record: it rides on the exception document, made now if there is none.
    base = existing or InstanceOverride(series_id=series_id, occurrence_date=occurrence_date)
    to_save = planned or restamped(base, series, now)
    saved_instance = instance_session(series, occurrence_date, to_save)
    assert saved_instance is not None
    change = change_of(
        before,
        changed_fields(before, saved_instance),
        revision=saved_instance.revision,
        now=now,
        after=saved_instance,
    )
    async with conflicts.refusing(
        services, write.policy, session_id, saved_instance, now, change.changed_fields
    ):
        saved = await services.store.save_override(
            to_save, None if existing is None else existing.revision, change=change, outbox=outbox
        )
    return saved_instance if saved else None


async def _scoped(
    services: AppServices, session_id: str, parsed: tuple[str, date] | None, write: SessionWrite
) -> Session | splits.WholeSeries | splits.Moved | None:
    """The session written for a scope other than the default path's, or None to go on with that."""
    scope = write.scope
    if parsed is None:
        if scope is not EditScope.ALL and isinstance(await services.store.load(session_id), Series):
            raise BadUserInput(
                "a recurring session's id changes the whole series: use ALL, or an instance's id",
                field="options.scope",
            )
        return None  # a single session is its only occurrence: every scope is the session itself
    if scope is not EditScope.THIS_AND_FOLLOWING:
        return None
    series_id, occurrence_date = parsed
    # What makes the same request again a retry, which a split or an end recognises by (§2).
    digest = scoped_request(
        write.caller, session_id, write.kind, write.patch, write.notification, write.expected_revision
    )
    if write.kind is NotificationKind.CANCELLED:
        return await splits.end_series(
            services,
            session_id,
            series_id,
            occurrence_date,
            write.notification,
            write.expected_revision,
            digest,
        )
    return await splits.split_series(
        services,
        session_id,
        series_id,
        occurrence_date,
        write.patch,
        write.notification,
        write.expected_revision,
        digest,
        write.policy,
    )


def edit_scope(options: dict[str, Any] | None) -> EditScope | None:
    value = (options or {}).get("scope")
    return None if value is None else EditScope(value)


def expected_revision(options: dict[str, Any] | None) -> int | None:
    value = (options or {}).get("expected_revision")
    return None if value is None else int(value)


def notification_request(options: dict[str, Any] | None) -> NotificationRequest | None:
    given = (options or {}).get("participant_notification")
    if given is None:
        return None
    with fields_of("options.participant_notification"):
        return validated(NotificationRequest.model_validate, given)


async def update_session(
    services: AppServices,
    session_id: str,
    session_info: dict[str, Any],
    options: dict[str, Any] | None = None,
    *,
    caller: str | None = None,
) -> Session:
    """`caller`: the token's subject (a retried THIS_AND_FOLLOWING request is the same caller's)."""
    with fields_of("session_info"):
        patch = validated(SessionPatch.from_given, session_info)
    write = SessionWrite(
        patch,
        notification_request(options),
        NotificationKind.UPDATED,
        expected_revision(options),
        edit_scope(options),
        conflicts.conflict_policy(services, options),
        caller,
    )
    return await _apply(services, session_id, write)


async def delete_session(
    services: AppServices,
    session_id: str,
    options: dict[str, Any] | None = None,
    *,
    caller: str | None = None,
) -> Session:
    """Soft delete: single → CANCELLED; instance → its exception CANCELLED; series → from now on."""
    patch = SessionPatch(values={"status": SessionStatus.CANCELLED})
    write = SessionWrite(
        patch,
        notification_request(options),
        NotificationKind.CANCELLED,
        expected_revision(options),
        edit_scope(options),
        caller=caller,
    )
    return await _apply(services, session_id, write)
