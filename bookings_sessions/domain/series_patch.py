"""Creating and updating recurring sessions and their instances (docs/design.md §2, the seed's table)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from .commands import NewSession, SessionPatch, camel
from .errors import BadUserInput, NotFound
from .recurrence import is_occurrence, parse_rrule, to_utc
from .series import (
    MAX_OCCURRENCE_DURATION,
    HistoryEntry,
    InstanceOverride,
    Series,
    SeriesSnapshot,
    StartMode,
    find_occurrence,
    governing_entry,
    has_occurrences,
    materialize,
    session_time,
)
from .timezones import CalendarDateTimeIn, SessionTime, resolve_time, utc_to_local, zone_or_error

SERIES_FIELDS = ("schedule_id", "schedule_owner_id", "tags", "status", "type", "participants")
INSTANCE_FIELDS = ("schedule_owner_id", "tags", "status", "type", "participants")
NOT_NULLABLE_ON_SERIES = frozenset({"schedule_id", "status", "type", "start", "end", "recurrence"})


def _series_time(value: CalendarDateTimeIn, business_zone: str, path: str) -> SessionTime:
    if value.local_date_time is None:
        raise BadUserInput(f"{path}: a recurring session needs localDateTime", field=path)
    return resolve_time(value, business_zone, path)


def _check_occurrence_times(start: SessionTime, end: SessionTime, prefix: str) -> None:
    if end.utc <= start.utc:
        raise BadUserInput(f"{prefix}.end must be after {prefix}.start", field=f"{prefix}.end")
    if end.local - start.local > MAX_OCCURRENCE_DURATION:
        raise BadUserInput(
            f"{prefix}.end: a weekly occurrence can last at most 24 hours", field=f"{prefix}.end"
        )


def _reject_notes(notes: object, prefix: str) -> None:
    if notes is not None:
        raise BadUserInput(
            f"{prefix}.notes: notes are not supported for recurring sessions", field=f"{prefix}.notes"
        )


def new_series(
    command: NewSession, *, session_id: str, business_zone: str, now: datetime, prefix: str = "sessionInfo"
) -> Series:
    assert command.recurrence is not None
    _reject_notes(command.notes, prefix)
    rule = parse_rrule(command.recurrence, f"{prefix}.recurrence")
    start = _series_time(command.start, business_zone, f"{prefix}.start")
    end = _series_time(command.end, business_zone, f"{prefix}.end")
    if end.zone != start.zone:
        end = session_time(end.local, start.zone)
    _check_occurrence_times(start, end, prefix)
    snapshot = SeriesSnapshot(
        schedule_id=command.schedule_id,
        schedule_owner_id=command.schedule_owner_id,
        tags=command.tags,
        type=command.type,
        participants=command.participants,
        recurrence=rule.to_rrule(),
        start=start,
        end=end,
    )
    entry = HistoryEntry(from_date=None, effective_from=None, snapshot=snapshot)
    return Series(id=session_id, history=(entry,), revision=1, created_date=now, updated_date=now)


def _next_snapshot(
    current: SeriesSnapshot, patch: SessionPatch, business_zone: str, prefix: str
) -> SeriesSnapshot:
    given = patch.model_fields_set
    _reject_notes(patch.notes if "notes" in given else None, prefix)
    updates: dict[str, Any] = {}
    for name in given & {*SERIES_FIELDS, "recurrence", "start", "end"}:
        value = getattr(patch, name)
        path = f"{prefix}.{camel(name)}"
        if value is None and name in NOT_NULLABLE_ON_SERIES:
            raise BadUserInput(f"{path} cannot be null", field=path)
        if value is None and name in ("tags", "participants"):
            value = ()
        if name == "recurrence":
            value = parse_rrule(value, path).to_rrule()
        elif name in ("start", "end"):
            value = _series_time(value, business_zone, path)
        updates[name] = value
    start: SessionTime = updates.get("start", current.start)
    if "end" in updates:
        end: SessionTime = updates["end"]
    else:
        # Moving only the start keeps the end's time of day, shifted by as many days as the start moved.
        end = session_time(current.end.local + (start.local.date() - current.start.local.date()), start.zone)
    if end.zone != start.zone:
        end = session_time(end.local, start.zone)
    _check_occurrence_times(start, end, prefix)
    updates["start"], updates["end"] = start, end
    return current.model_copy(update=updates)


def _cut_date(series: Series, snapshot: SeriesSnapshot, now: datetime) -> date:
    """First local date the update governs: today's occurrence only if it has not started yet."""
    today = now.astimezone(series.current.zone).date()
    before = governing_entry(series, today).snapshot
    existing = is_occurrence(before.rule, before.start.local, before.zone, today)
    if existing is None:
        existing = is_occurrence(snapshot.rule, snapshot.start.local, snapshot.zone, today)
        zone = snapshot.zone
    else:
        zone = before.zone
    if existing is not None and to_utc(existing, zone) < now:
        return today + timedelta(days=1)
    return today


def prune(series: Series) -> Series:
    """Drop entries that govern no occurrence: history never outgrows the series' past."""
    kept = list(series.history)
    index = 0
    while index < len(kept) - 1:
        trial = series.model_copy(update={"history": tuple(kept)})
        if has_occurrences(trial, index):
            index += 1
        else:
            del kept[index]
    return series.model_copy(update={"history": tuple(kept)})


def plan_series_update(
    series: Series, patch: SessionPatch, *, business_zone: str, now: datetime, prefix: str = "sessionInfo"
) -> Series | None:
    """The series after the update, changing occurrences from `now` on; None when nothing changes."""
    snapshot = _next_snapshot(series.current, patch, business_zone, prefix)
    if snapshot == series.current:
        return None
    cut = _cut_date(series, snapshot, now)
    earlier = [entry for entry in series.history if entry.from_date is None or entry.from_date < cut]
    history = (*earlier, HistoryEntry(from_date=cut, effective_from=now, snapshot=snapshot))
    updated = series.model_copy(
        update={"history": history, "revision": series.revision + 1, "updated_date": now}
    )
    return prune(updated)


def _instance_times(
    override: InstanceOverride,
    patch: SessionPatch,
    series_start: SessionTime,
    series_end: SessionTime,
    current_end: SessionTime,
    business_zone: str,
    prefix: str,
) -> dict[str, Any]:
    """The three rules of the seed's table, as the new start-mode fields of the override."""
    given = patch.model_fields_set
    for name in ("start", "end"):
        if name in given and getattr(patch, name) is None:
            raise BadUserInput(f"{prefix}.{name} cannot be null", field=f"{prefix}.{name}")
    new_start = resolve_time(patch.start, business_zone, f"{prefix}.start") if patch.start else None
    new_end = resolve_time(patch.end, business_zone, f"{prefix}.end") if patch.end else None
    zone = series_start.zone
    follow: dict[str, Any] = {
        "start_mode": StartMode.FOLLOW,
        "start": None,
        "end": None,
        "duration_minutes": None,
    }

    def duration_mode(end: SessionTime) -> dict[str, Any]:
        if end.utc == series_end.utc:
            return follow
        local_end = utc_to_local(end.utc, zone_or_error(zone, "timeZone"))
        minutes = int((local_end - series_start.local).total_seconds() // 60)
        return {**follow, "start_mode": StartMode.DURATION, "duration_minutes": minutes}

    if new_start is not None:
        if new_start.utc == series_start.utc:  # rule (c): back to the series' start → follow again
            return follow if new_end is None else duration_mode(new_end)
        end = new_end or current_end
        return {**follow, "start_mode": StartMode.FIXED, "start": new_start, "end": end}  # rule (a)
    if new_end is not None:
        if override.start_mode is StartMode.FIXED:
            return {"end": new_end}
        return duration_mode(new_end)  # rule (b)
    return {}


def plan_instance_update(
    series: Series,
    occurrence_date: date,
    existing: InstanceOverride | None,
    patch: SessionPatch,
    *,
    business_zone: str,
    now: datetime,
    prefix: str = "sessionInfo",
) -> InstanceOverride | None:
    """The instance's stored exception after the update; None when nothing changes."""
    found = find_occurrence(series, occurrence_date)
    if found is None:
        raise NotFound("this recurring session has no instance on that date", field="sessionId")
    entry, nominal = found
    given = patch.model_fields_set
    _reject_notes(patch.notes if "notes" in given else None, prefix)
    for name in ("recurrence", "schedule_id"):
        if name in given:
            path = f"{prefix}.{camel(name)}"
            raise BadUserInput(f"{path}: change it on the recurring session, not an instance", field=path)
    override = existing or InstanceOverride(series_id=series.id, occurrence_date=occurrence_date)
    current = materialize(series, entry, nominal, existing)
    snapshot = entry.snapshot
    series_start = session_time(nominal, snapshot.start.zone)
    series_end = session_time(nominal + snapshot.duration, snapshot.start.zone)
    updates = _instance_times(override, patch, series_start, series_end, current.end, business_zone, prefix)
    for name in INSTANCE_FIELDS:
        if name in given:
            # null removes the instance's own value: it follows the series again.
            updates[name] = getattr(patch, name)
    proposed = override.model_copy(update=updates)
    preview = materialize(series, entry, nominal, proposed)
    if preview.end.utc <= preview.start.utc:
        raise BadUserInput(f"{prefix}.end must be after {prefix}.start", field=f"{prefix}.end")
    if proposed == override:
        return None
    return proposed.model_copy(
        update={
            "revision": override.revision + 1,
            "created_date": override.created_date or now,
            "updated_date": now,
        }
    )
