"""Recurring sessions: history entries (each a full snapshot governing the local dates from its `from_date`
to the next one's), instance overrides, and turning them into instance sessions (docs/design.md §2).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

from .all_day import length_in_days, whole_days
from .fields import INSTANCE_FIELDS, SERIES_FIELDS, SessionValues
from .model import Session, SessionKind
from .recurrence import RecurrenceRule, instance_id, is_occurrence, last_start, occurrences, parse_rrule
from .timezones import (
    DATE_SLACK,
    SessionTime,
    at_instant,
    date_in_range,
    to_utc,
    wall_time_of,
    zone_or_error,
)
from .values import RecurrenceType, SessionStatus

MAX_OCCURRENCE_DURATION = timedelta(hours=24)
FAR_PAST = datetime(1, 1, 10, tzinfo=UTC)
FAR_FUTURE = datetime(9999, 12, 20, tzinfo=UTC)


class SeriesSnapshot(SessionValues):
    """The series' own fields as of one history entry; `start`/`end` are its first occurrence.

    The plain fields come from the field table; those a series may not hold stay at their defaults.
    """

    recurrence: str
    start: SessionTime
    end: SessionTime

    @property
    def rule(self) -> RecurrenceRule:
        return _rule(self.recurrence)

    @property
    def zone(self) -> ZoneInfo:
        return zone_or_error(self.start.zone, "start.time_zone")

    @property
    def duration(self) -> timedelta:
        """The exact duration of the first occurrence, which every occurrence keeps (RFC 5545)."""
        return self.end.utc - self.start.utc


class HistoryEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    from_date: date | None  # None: governs every date before the next entry
    effective_from: datetime | None  # the update instant that made this entry (audit)
    snapshot: SeriesSnapshot


class Series(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    history: tuple[HistoryEntry, ...]
    revision: int
    created_date: datetime
    updated_date: datetime

    @property
    def current(self) -> SeriesSnapshot:
        return self.history[-1].snapshot

    def as_session(self) -> Session:
        snapshot = self.current
        start, end = occurrence_times(snapshot, snapshot.start.local)
        return Session(
            id=self.id,
            kind=SessionKind.SERIES,
            recurrence_type=RecurrenceType.MASTER,
            **{name: getattr(snapshot, name) for name in SERIES_FIELDS},
            recurrence=snapshot.recurrence,
            start=start,
            end=end,
            revision=self.revision,
            created_date=self.created_date,
            updated_date=self.updated_date,
        )


class StartMode(StrEnum):
    FOLLOW = "follow"  # start and end follow the series
    DURATION = "duration"  # only the end was edited: start follows the series, own duration kept
    FIXED = "fixed"  # the start was edited: own start and end, series time edits do not move it


class InstanceOverride(BaseModel):
    """A stored exception for one occurrence: its own times (by start mode) and its own plain values.

    `values` holds only fields the table lets an instance override; any other field follows the series.
    """

    model_config = ConfigDict(frozen=True)

    series_id: str
    occurrence_date: date
    start_mode: StartMode = StartMode.FOLLOW
    start: SessionTime | None = None  # FIXED only
    end: SessionTime | None = None  # FIXED only
    duration_minutes: int | None = None  # DURATION only
    values: dict[str, Any] = Field(default_factory=dict)
    revision: int = 0  # what the instance showed once this exception was written (`shown_revision`)
    series_revision: int = 0  # its series' revision at that write
    created_date: datetime | None = None
    updated_date: datetime | None = None

    @property
    def id(self) -> str:
        return instance_id(self.series_id, self.occurrence_date)


def shown_revision(series: Series, override: InstanceOverride | None) -> int:
    """An instance's revision (docs/design.md §1, bookkeeping): its series' without an exception; with
    one, the exception's plus every series write since it, since each may change what it shows. So it
    grows with a write to either document and never goes back, without rewriting exceptions."""
    if override is None:
        return series.revision
    return override.revision + series.revision - override.series_revision


def restamped(override: InstanceOverride, series: Series, now: datetime) -> InstanceOverride:
    """The exception as a write stores it: one above the revision the instance showed, counted from
    its series' current revision."""
    return override.model_copy(
        update={
            "revision": shown_revision(series, override) + 1,
            "series_revision": series.revision,
            "created_date": override.created_date or now,
            "updated_date": now,
        }
    )


_RULES: dict[str, RecurrenceRule] = {}


def _rule(text: str) -> RecurrenceRule:
    # Stored rules were validated on the way in; parsing them once per process keeps expansion lean.
    rule = _RULES.get(text)
    if rule is None:
        rule = _RULES[text] = parse_rrule(text)
    return rule


def session_time(local: datetime, zone_name: str) -> SessionTime:
    """A wall time as it happens (a nonexistent one moved forward by the gap)."""
    zone_or_error(zone_name, "time_zone")
    return wall_time_of(local, zone_name)


def nominal_time(local: datetime, zone_name: str) -> SessionTime:
    """A series' first start as its rule has it: the wall time is the time of day of every occurrence,
    kept even when it does not exist on that date (the instant is the one it happens at)."""
    return SessionTime(utc=to_utc(local, zone_or_error(zone_name, "time_zone")), local=local, zone=zone_name)


def occurrence_times(snapshot: SeriesSnapshot, nominal_start: datetime) -> tuple[SessionTime, SessionTime]:
    """The start and end of the occurrence the rule puts at `nominal_start` (docs/recurring.md): a start
    in a spring-forward gap moves forward by the gap, and the occurrence lasts exactly as long as the
    first one, whatever change of offset falls on its day. An all-day one lasts as many whole local
    days instead, however long they are."""
    if snapshot.all_day:
        zone_or_error(snapshot.start.zone, "time_zone")
        days = length_in_days(snapshot.start, snapshot.end)
        return whole_days(nominal_start.date(), days, snapshot.start.zone)
    start = session_time(nominal_start, snapshot.start.zone)
    return start, at_instant(start.utc + snapshot.duration, snapshot.start.zone)


def _entry_range(series: Series, index: int) -> tuple[date | None, date | None]:
    entry = series.history[index]
    following = series.history[index + 1].from_date if index + 1 < len(series.history) else None
    return entry.from_date, following


def governing_entry(series: Series, local_date: date) -> HistoryEntry:
    chosen = series.history[0]
    for entry in series.history[1:]:
        if entry.from_date is not None and entry.from_date <= local_date:
            chosen = entry
    return chosen


def find_occurrence(series: Series, local_date: date) -> tuple[HistoryEntry, datetime] | None:
    """The governing entry and nominal local start of the occurrence on `local_date`, if there is one."""
    if not date_in_range(local_date):  # no occurrence lies outside the accepted dates
        return None
    entry = governing_entry(series, local_date)
    snapshot = entry.snapshot
    start = is_occurrence(snapshot.rule, snapshot.start.local, snapshot.zone, local_date)
    return None if start is None else (entry, start)


def _local_midnight_utc(day: date, zone: ZoneInfo) -> datetime:
    return to_utc(datetime.combine(day, time()), zone)


def entry_last_start(snapshot: SeriesSnapshot) -> datetime | None:
    """A UTC bound no occurrence of the snapshot's rule starts after; None if it never ends."""
    return last_start(snapshot.rule, snapshot.start.local, snapshot.zone)


def occurrences_before(series: Series, day: date) -> int:
    """How many occurrences (of any history entry) fall on local dates before `day`, as COUNT counts
    them: the RRULE's, those taken out by an EXDATE included, RDATE ones not (RFC 5545)."""
    zone = series.current.zone
    upper = _local_midnight_utc(day, zone) + DATE_SLACK
    found = nominal_occurrences(series, FAR_PAST, upper, rules_only=True)
    return sum(1 for _, local in found if local.date() < day)


def nth_occurrence_from(snapshot: SeriesSnapshot, day: date, n: int) -> datetime | None:
    """The naive local start of the n-th (1-based) occurrence on or after local date `day`, ignoring
    COUNT (and EXDATE/RDATE, as COUNT does); None if there are fewer."""
    rule, zone = snapshot.rule.without_dates().bounded_by(snapshot.rule.until), snapshot.zone
    lower = _local_midnight_utc(day, zone) - DATE_SLACK
    seen = 0
    for local in occurrences(rule, snapshot.start.local, zone, lower, FAR_FUTURE):
        if local.date() >= day:
            seen += 1
            if seen == n:
                return local
    return None


def nominal_occurrences(
    series: Series, window_from: datetime, window_to: datetime, *, rules_only: bool = False
) -> Iterator[tuple[HistoryEntry, datetime]]:
    """Each entry's occurrences inside its own date range and the UTC window, in order (with
    `rules_only`, its RRULE's alone, without EXDATE/RDATE)."""
    for index, entry in enumerate(series.history):
        lower, upper = _entry_range(series, index)
        snapshot = entry.snapshot
        zone = snapshot.zone
        start_at, end_at = window_from, window_to
        if lower is not None:
            start_at = max(start_at, _local_midnight_utc(lower, zone) - DATE_SLACK)
        if upper is not None:
            end_at = min(end_at, _local_midnight_utc(upper, zone) + DATE_SLACK)
        if start_at >= end_at:
            continue
        rule = snapshot.rule.without_dates() if rules_only else snapshot.rule
        for local in occurrences(rule, snapshot.start.local, zone, start_at, end_at):
            day = local.date()
            if (lower is None or day >= lower) and (upper is None or day < upper):
                yield entry, local


def has_occurrences(series: Series, index: int) -> bool:
    """Whether history entry `index` governs at least one occurrence (else it can be dropped)."""
    lower, upper = _entry_range(series, index)
    snapshot = series.history[index].snapshot
    zone = snapshot.zone
    start_at = FAR_PAST if lower is None else _local_midnight_utc(lower, zone) - DATE_SLACK
    end_at = FAR_FUTURE if upper is None else _local_midnight_utc(upper, zone) + DATE_SLACK
    for local in occurrences(snapshot.rule, snapshot.start.local, zone, start_at, end_at):
        day = local.date()
        if upper is not None and day >= upper:
            return False
        if lower is None or day >= lower:
            return True
    return False


def materialize(
    series: Series, entry: HistoryEntry, nominal_start: datetime, override: InstanceOverride | None
) -> Session:
    """One instance as clients see it: the series' values, then the instance's own overrides."""
    snapshot = entry.snapshot
    start, end = occurrence_times(snapshot, nominal_start)
    original_start = start  # where the series puts it, before any exception
    fields: dict[str, object] = {}
    revision, updated = shown_revision(series, override), series.updated_date
    if override is not None:
        if override.start_mode is StartMode.FIXED and override.start and override.end:
            start, end = override.start, override.end
        elif override.start_mode is StartMode.DURATION and override.duration_minutes is not None:
            end = at_instant(start.utc + timedelta(minutes=override.duration_minutes), start.zone)
        fields.update((name, override.values[name]) for name in INSTANCE_FIELDS if name in override.values)
        if override.updated_date is not None:
            updated = max(updated, override.updated_date)
    values: dict[str, object] = {**{name: getattr(snapshot, name) for name in SERIES_FIELDS}, **fields}
    inherited = [name for name in SERIES_FIELDS if name not in fields]
    mode = StartMode.FOLLOW if override is None else override.start_mode
    if mode is not StartMode.FIXED:
        inherited.append("start")
    if mode is StartMode.FOLLOW:
        inherited.append("end")
    # A cancelled series cancels its governed instances whatever they override.
    if snapshot.status is SessionStatus.CANCELLED:
        values["status"] = SessionStatus.CANCELLED
    return Session.model_validate(
        {
            "id": instance_id(series.id, nominal_start.date()),
            "kind": SessionKind.INSTANCE,
            "recurrence_type": RecurrenceType.INSTANCE if override is None else RecurrenceType.EXCEPTION,
            "original_start": original_start,
            "inherited_fields": tuple(inherited),
            "recurring_session_id": series.id,
            "instance_of_recurrence": snapshot.recurrence,
            "recurrence": None,
            "start": start,
            "end": end,
            "revision": revision,
            "created_date": series.created_date,
            "updated_date": updated,
            **values,
        }
    )


def instance_session(series: Series, local_date: date, override: InstanceOverride | None) -> Session | None:
    found = find_occurrence(series, local_date)
    if found is None:
        return None
    entry, nominal = found
    return materialize(series, entry, nominal, override)


def instances_in_window(
    series: Series,
    overrides: dict[date, InstanceOverride],
    window_from: datetime,
    window_to: datetime,
) -> list[Session]:
    """Instances overlapping [window_from, window_to) (ending after its start, starting before its
    end), moved (FIXED) ones included. An occurrence lasts at most a day, so the nominal expansion's
    slack of two days each side finds every one that reaches into the window."""
    found: dict[str, Session] = {}
    seen_dates: set[date] = set()
    for entry, nominal in nominal_occurrences(series, window_from - DATE_SLACK, window_to + DATE_SLACK):
        seen_dates.add(nominal.date())
        session = materialize(series, entry, nominal, overrides.get(nominal.date()))
        if session.end.utc > window_from and session.start.utc < window_to:
            found[session.id] = session
    for day, override in overrides.items():
        if day in seen_dates or override.start_mode is not StartMode.FIXED or override.start is None:
            continue
        end = override.end or override.start
        if end.utc > window_from and override.start.utc < window_to:
            moved = instance_session(series, day, override)
            if moved is not None:
                found[moved.id] = moved
    return sorted(found.values(), key=lambda session: (session.start.utc, session.id))
