"""importCalendar: an iCalendar file's events as sessions of one schedule, keyed by UID (`ical_uid`), each
planned first (so a dry run answers the same) and then written through the one-by-one use cases
(docs/import.md).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from ..domain.commands import NewSession, SessionPatch, validated
from ..domain.errors import BadUserInput, DomainError, fields_of
from ..domain.model import Session
from ..domain.patch import new_single_session, plan_patch
from ..domain.recurrence import instance_id
from ..domain.series import InstanceOverride, Series
from ..domain.series_patch import new_series, plan_instance_update, plan_series_update
from ..domain.values import SessionStatus
from ..storage.clock import utc_now
from . import sessions
from .ical_events import EventGroup, ImportFailure, Override, occurrence_date, read_calendar
from .services import AppServices

_CANCEL = {"status": SessionStatus.CANCELLED.value}


class Outcome(StrEnum):
    """What an import did with one event."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int
    failed: list[ImportFailure] = field(default_factory=list)


@dataclass
class _Plan:
    """What importing one event writes: the main session (None: nothing) and its occurrences'."""

    outcome: Outcome
    main: dict[str, Any] | None
    occurrences: list[tuple[date, dict[str, Any]]]


async def import_calendar(
    services: AppServices, schedule_id: str, ics: str, *, dry_run: bool
) -> ImportResult:
    if not schedule_id.strip():
        raise BadUserInput("must not be empty", field="schedule_id")
    groups, failed = read_calendar(ics, services.business_zone)
    found = await services.store.find_by_ical_uids(schedule_id, [group.uid for group in groups])
    counts: Counter[Outcome] = Counter()
    for group in groups:
        existing = found.get(group.uid)
        try:
            plan = await _plan(services, schedule_id, group, existing, failed)
            if not dry_run:
                await _write(services, plan, existing)
        except DomainError as error:
            failed.append(_failure(group.uid, error))
            continue
        counts[plan.outcome] += 1
    return ImportResult(counts[Outcome.CREATED], counts[Outcome.UPDATED], counts[Outcome.UNCHANGED], failed)


def _failure(uid: str | None, error: DomainError) -> ImportFailure:
    code = {"BAD_USER_INPUT": "INVALID_EVENT"}.get(error.code, error.code)
    if error.field is not None and error.field.endswith("recurrence"):
        code = "UNSUPPORTED_RULE"
    where = f"{error.field}: " if error.field else ""
    return ImportFailure(uid=uid, code=code, message=where + error.message)


def _wanted(group: EventGroup, schedule_id: str) -> dict[str, Any]:
    assert group.info is not None
    return {**group.info, "schedule_id": schedule_id, "ical_uid": group.uid}


async def _plan(
    services: AppServices,
    schedule_id: str,
    group: EventGroup,
    existing: Session | Series | None,
    failed: list[ImportFailure],
) -> _Plan:
    zone, now = services.business_zone, utc_now()
    if group.info is None:
        if not isinstance(existing, Series):
            raise BadUserInput("events with RECURRENCE-ID but not the recurring event they change")
        series, outcome, main = existing, Outcome.UNCHANGED, None
    elif existing is None:
        info = _wanted(group, schedule_id)
        with fields_of("event"):
            command = validated(NewSession.model_validate, info)
            made = (
                new_series(command, session_id="planned", business_zone=zone, now=now)
                if command.recurrence is not None
                else new_single_session(command, session_id="planned", business_zone=zone, now=now)
            )
        if group.overrides and not isinstance(made, Series):
            raise BadUserInput("events with RECURRENCE-ID change a recurring event; this one has no RRULE")
        return _Plan(Outcome.CREATED, info, _occurrences(made, {}, group, failed, zone, now))
    else:
        info = _wanted(group, schedule_id)
        if isinstance(existing, Series) != ("recurrence" in info):
            kind = "recurring" if isinstance(existing, Series) else "single"
            raise BadUserInput(
                f"an earlier import made this UID a {kind} session: cancel it and import the event under"
                " a new UID"
            )
        with fields_of("event"):
            patch = validated(SessionPatch.from_given, info)
            if isinstance(existing, Series):
                planned = plan_series_update(existing, patch, business_zone=zone, now=now)
                series = planned or existing
                changed = planned is not None
            else:
                changed = bool(plan_patch(existing, patch, business_zone=zone))
        outcome, main = (Outcome.UPDATED, info) if changed else (Outcome.UNCHANGED, None)
        if not isinstance(existing, Series):
            return _Plan(outcome, main, [])
    stored = {o.occurrence_date: o for o in await services.store.series_overrides(existing.id)}
    occurrences = _occurrences(series, stored, group, failed, zone, now)
    if occurrences and outcome is Outcome.UNCHANGED:
        outcome = Outcome.UPDATED
    return _Plan(outcome, main, occurrences)


def _occurrences(
    series: Series | Session,
    stored: dict[date, InstanceOverride],
    group: EventGroup,
    failed: list[ImportFailure],
    zone: str,
    now: datetime,
) -> list[tuple[date, dict[str, Any]]]:
    """The overriding VEVENTs that change their occurrence, as (date, update); one that cannot be taken
    is a failure of its own, and the event goes on without it."""
    if not isinstance(series, Series):
        return []
    changes = []
    for override in group.overrides:
        day = occurrence_date(override.recurrence_id, series.current.start.zone)
        update = _CANCEL if override.cancelled else override.info
        try:
            with fields_of("event"):
                patch = validated(SessionPatch.from_given, update)
                planned = plan_instance_update(
                    series, day, stored.get(day), patch, business_zone=zone, now=now
                )
        except DomainError as error:
            failed.append(_failure(group.uid, _at(error, override)))
            continue
        if planned is not None:
            changes.append((day, update))
    return changes


def _at(error: DomainError, override: Override) -> DomainError:
    error.message = f"RECURRENCE-ID {override.recurrence_id}: {error.message}"
    return error


async def _write(services: AppServices, plan: _Plan, existing: Session | Series | None) -> None:
    series_id = None if existing is None else existing.id
    if plan.main is not None and existing is None:
        series_id = (await sessions.create_session(services, plan.main)).id
    elif plan.main is not None and existing is not None:
        await sessions.update_session(services, existing.id, plan.main)
    assert series_id is not None or not plan.occurrences
    for day, update in plan.occurrences:
        occurrence = instance_id(str(series_id), day)
        if update is _CANCEL:
            await sessions.delete_session(services, occurrence)
        else:
            await sessions.update_session(services, occurrence, update)
