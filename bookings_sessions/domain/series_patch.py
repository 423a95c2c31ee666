"""Creating and updating recurring sessions and their instances (docs/design.md §2, the seed's table)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from .all_day import OCCURRENCE_DAYS, check_whole_days, day_start
from .commands import NewSession, SessionPatch
from .errors import BadUserInput, NotFound
from .fields import FIELD_RULES, INSTANCE_FIELDS, SERIES_FIELDS, check_capacity
from .patch import check_times, checked_value, reject_recurring_only_fields
from .recurrence import (
    RecurrenceRule,
    check_has_occurrence,
    first_occurrence,
    is_occurrence,
    parse_rrule,
    with_local_dates,
)
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
    nominal_time,
    nth_occurrence_from,
    occurrence_times,
    occurrences_before,
    restamped,
    session_time,
)
from .timezones import (
    RANGE_TEXT,
    CalendarDateTimeIn,
    SessionTime,
    at_instant,
    in_range,
    keep_length,
    resolve_time,
    to_utc,
    zone_or_error,
)


def _series_time(value: CalendarDateTimeIn, business_zone: str, field: str) -> SessionTime:
    """A series' start or end; the start keeps its wall time as given (`nominal_time`): it is the time
    of day of every occurrence, even when it does not exist on the first date."""
    if value.local_date_time is None:
        raise BadUserInput("a recurring session needs local_date_time", field=field)
    resolved = resolve_time(value, business_zone, field)
    if field != "start":
        return resolved
    return nominal_time(value.local_date_time.to_naive(field), resolved.zone)


def _series_end(
    start_in: CalendarDateTimeIn,
    start: SessionTime,
    end_in: CalendarDateTimeIn,
    business_zone: str,
    all_day: bool,
) -> SessionTime:
    """A series' end given with its start: it moves with a start in a gap (`keep_length`), unless they
    are whole days (a day's first instant stays one)."""
    end = _series_time(end_in, business_zone, "end")
    return end if all_day else keep_length(start_in, session_time(start.local, start.zone), end_in, end)


def _check_occurrence_times(start: SessionTime, end: SessionTime, all_day: bool) -> None:
    check_times(start, end)
    if all_day:
        check_whole_days(start, end, max_days=OCCURRENCE_DAYS)
    elif end.utc - start.utc > MAX_OCCURRENCE_DURATION:
        raise BadUserInput("an occurrence can last at most 24 hours", field="end")


def _checked_rule(
    rule: RecurrenceRule, start: SessionTime, end: SessionTime, all_day: bool
) -> tuple[str, SessionTime, SessionTime]:
    """A client's rule in canonical spelling, with the series' start and end moved onto its first
    occurrence (`_on_first_occurrence`); its UNTIL in the accepted range, some occurrence from the
    start on (the one check of an UNTIL before the start, `check_has_occurrence`), and its EXDATE and
    RDATE values as wall times in the start's zone (`with_local_dates`)."""
    if rule.until is not None and not in_range(rule.until):
        raise BadUserInput(f"UNTIL must be between {RANGE_TEXT}", field="recurrence")
    check_has_occurrence(rule.without_dates(), start.local, zone_or_error(start.zone, "start.time_zone"))
    start, end = _on_first_occurrence(rule, start, end, all_day)
    return with_local_dates(rule, start.local, start.zone).to_rrule(), start, end


def _on_first_occurrence(
    rule: RecurrenceRule, start: SessionTime, end: SessionTime, all_day: bool
) -> tuple[SessionTime, SessionTime]:
    """A series' start is its RRULE's first occurrence: a start its rule does not produce (a Wednesday
    with `BYDAY=MO`) moves to the rule's first occurrence from it, and the end with it, so the series,
    its listing and its instances agree (RFC 5545 leaves such a start undefined)."""
    zone = zone_or_error(start.zone, "start.time_zone")
    first = first_occurrence(rule.without_dates(), start.local, zone)
    if first is None or first == start.local:
        return start, end
    first_start = nominal_time(first, start.zone)
    if all_day:  # whole days from the new date, whatever their length
        return first_start, day_start(first.date() + (end.local.date() - start.local.date()), start.zone)
    return first_start, at_instant(first_start.utc + (end.utc - start.utc), start.zone)


def new_series(command: NewSession, *, session_id: str, business_zone: str, now: datetime) -> Series:
    assert command.recurrence is not None
    reject_recurring_only_fields({name: getattr(command, name) for name in FIELD_RULES})
    rule = parse_rrule(command.recurrence)  # the rule's own errors first, as before
    start = _series_time(command.start, business_zone, "start")
    end = _series_end(command.start, start, command.end, business_zone, command.all_day)
    if end.zone != start.zone:
        end = session_time(end.local, start.zone)
    _check_occurrence_times(start, end, command.all_day)
    recurrence, start, end = _checked_rule(rule, start, end, command.all_day)
    snapshot = SeriesSnapshot(
        **{name: getattr(command, name) for name in SERIES_FIELDS},
        recurrence=recurrence,
        start=start,
        end=end,
    )
    check_capacity(snapshot, command.model_fields_set)
    entry = HistoryEntry(from_date=None, effective_from=None, snapshot=snapshot)
    return Series(id=session_id, history=(entry,), revision=1, created_date=now, updated_date=now)


def _onto_first_date(times: dict[str, Any], current: SeriesSnapshot, through: date) -> None:
    """Scope ALL sent through the occurrence on `through` (docs/recurring.md, scopes): its start and end,
    given on that date, are the new time of day and duration of every occurrence, so they move onto the
    series' own first date. The series keeps its anchor, and with it every date and its COUNT."""
    start = times.get("start")
    if start is not None and start.local.date() != through:
        raise BadUserInput(
            "with scope ALL through an instance, start must be on that instance's date"
            f" ({through.isoformat()}): ALL changes the time of day and duration of every occurrence;"
            " to move the dates, change start and recurrence on the recurring session",
            field="start",
        )
    shift = current.start.local.date() - through
    for name, value in times.items():
        times[name] = session_time(value.local + shift, value.zone)


def _next_snapshot(
    current: SeriesSnapshot, patch: SessionPatch, business_zone: str, through: date | None = None
) -> SeriesSnapshot:
    reject_recurring_only_fields(patch.values)
    updates: dict[str, Any] = {
        name: checked_value(name, value) for name, value in patch.values.items() if name in SERIES_FIELDS
    }
    times: dict[str, SessionTime] = {}
    for name in patch.given & {"recurrence", "start", "end"}:
        value = patch.value(name)
        if value is None:
            raise BadUserInput("cannot be null", field=name)
        # The rule is checked against the start below, once the start is known.
        if name == "recurrence":
            updates[name] = parse_rrule(value)
        else:
            times[name] = _series_time(value, business_zone, name)
    if patch.start is not None and patch.end is not None:
        all_day = bool(updates.get("all_day", current.all_day))
        times["end"] = _series_end(patch.start, times["start"], patch.end, business_zone, all_day)
    if through is not None:
        _onto_first_date(times, current, through)
    updates.update(times)
    start: SessionTime = updates.get("start", current.start)
    if "end" in updates:
        end: SessionTime = updates["end"]
    else:
        # Moving only the start keeps the end's time of day, shifted by as many days as the start moved.
        end = session_time(current.end.local + (start.local.date() - current.start.local.date()), start.zone)
    if end.zone != start.zone:
        end = session_time(end.local, start.zone)
    all_day = updates.get("all_day", current.all_day)
    _check_occurrence_times(start, end, all_day)
    if patch.given & {"recurrence", "start"}:
        rule = updates.get("recurrence", current.rule)
        updates["recurrence"], start, end = _checked_rule(rule, start, end, all_day)
    updates["start"], updates["end"] = start, end
    snapshot = current.model_copy(update=updates)
    check_capacity(snapshot, patch.given)
    return snapshot


def first_unstarted_date(series: Series, now: datetime) -> date:
    """The first local date whose occurrence has not started at `now` (today or tomorrow)."""
    return _cut_date(series, series.current, now)


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


def freeze_count(series: Series, snapshot: SeriesSnapshot, cut: date) -> SeriesSnapshot:
    """A snapshot governing dates from `cut` on, its COUNT turned into the UNTIL that keeps the
    series' total: COUNT counts from the series' first start across history entries, so the new
    entry gets what the earlier ones have not used, ending at the end of its last one's local date
    (so a later change of the time of day keeps it). Without COUNT: unchanged."""
    rule = snapshot.rule
    if rule.count is None:
        return snapshot
    remaining = rule.count - occurrences_before(series, cut)
    last = None if remaining <= 0 else nth_occurrence_from(snapshot, cut, remaining)
    if last is None:
        raise BadUserInput(
            f"COUNT={rule.count}: the series has no occurrence left from {cut.isoformat()} on",
            field="recurrence",
        )
    end_of_day = to_utc(datetime.combine(last.date(), time(23, 59, 59)), snapshot.zone)
    return snapshot.model_copy(update={"recurrence": rule.bounded_by(end_of_day).to_rrule()})


def plan_series_update(
    series: Series, patch: SessionPatch, *, business_zone: str, now: datetime, through: date | None = None
) -> Series | None:
    """The series after the update, changing occurrences from `now` on; None when nothing changes.

    `through`: the date of the occurrence a scope ALL update was sent through; its times are then that
    occurrence's (`_onto_first_date`)."""
    if through is not None and find_occurrence(series, through) is None:
        raise NotFound("this recurring session has no instance on that date")
    snapshot = _next_snapshot(series.current, patch, business_zone, through)
    if snapshot == series.current:
        return None
    cut = _cut_date(series, snapshot, now)
    snapshot = freeze_count(series, snapshot, cut)
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
) -> dict[str, Any]:
    """The three rules of the seed's table, as the new start-mode fields of the override."""
    for name in ("start", "end"):
        if name in patch.given and patch.value(name) is None:
            raise BadUserInput("cannot be null", field=name)
    new_start = resolve_time(patch.start, business_zone, "start") if patch.start else None
    new_end = resolve_time(patch.end, business_zone, "end") if patch.end else None
    if patch.start and new_start and patch.end and new_end:
        new_end = keep_length(patch.start, new_start, patch.end, new_end)
    follow: dict[str, Any] = {
        "start_mode": StartMode.FOLLOW,
        "start": None,
        "end": None,
        "duration_minutes": None,
    }

    def duration_mode(end: SessionTime) -> dict[str, Any]:
        if end.utc == series_end.utc:
            return follow
        minutes = int((end.utc - series_start.utc).total_seconds() // 60)  # exact, as the series' own
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
) -> InstanceOverride | None:
    """The instance's stored exception after the update; None when nothing changes."""
    found = find_occurrence(series, occurrence_date)
    if found is None:
        raise NotFound("this recurring session has no instance on that date")
    entry, nominal = found
    reject_recurring_only_fields(patch.values)
    for name in sorted(patch.given - {*INSTANCE_FIELDS, "start", "end"}):
        if name in FIELD_RULES and not FIELD_RULES[name].on_series:
            continue  # a null for a field no recurring session holds: nothing to change
        raise BadUserInput("change it on the recurring session, not an instance", field=name)
    override = existing or InstanceOverride(series_id=series.id, occurrence_date=occurrence_date)
    current = materialize(series, entry, nominal, existing)
    snapshot = entry.snapshot
    series_start, series_end = occurrence_times(snapshot, nominal)
    updates = _instance_times(override, patch, series_start, series_end, current.end, business_zone)
    own = dict(override.values)
    for name, value in patch.values.items():
        # null removes the instance's own value: it follows the series again.
        if value is None:
            own.pop(name, None)
        else:
            own[name] = value
    proposed = override.model_copy(update={**updates, "values": own})
    preview = materialize(series, entry, nominal, proposed)
    check_times(preview.start, preview.end)
    if snapshot.all_day and patch.given & {"start", "end"}:
        check_whole_days(preview.start, preview.end, max_days=OCCURRENCE_DAYS)
    check_capacity(preview, patch.given)
    if proposed == override:
        return None
    # One more than the instance showed, so an `expectedRevision` from before this write never matches.
    return restamped(proposed, series, now)
