"""Free time: busy, open and free intervals of a schedule and the slots that fit, as pure arithmetic on
half-open UTC intervals of expanded occurrences, clipped, sorted and merged (docs/api.md "Finding free time").
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .errors import BadUserInput
from .model import Session
from .values import SessionStatus, SessionType, Transparency

MAX_SCHEDULES = 50
MAX_SLOT_STARTS = 50_000  # aligned starts one request may walk (window length / step)
MAX_SLOT_MINUTES = 1440
MAX_CONFLICTS = 20
DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True, order=True)
class Interval:
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class Occupation:
    """One session blocking one schedule, its buffer (`time_reserved_after`) included."""

    schedule_id: str
    session_id: str
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class BusyInterval:
    start: datetime
    end: datetime
    session_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SlotSpec:
    """Slots of `minutes`, starting on the `step_minutes` grid of each local day in `zone`."""

    minutes: int
    step_minutes: int
    zone: ZoneInfo


@dataclass(frozen=True, slots=True)
class ScheduleAvailability:
    schedule_id: str
    busy: tuple[BusyInterval, ...]
    free: tuple[Interval, ...]
    slots: tuple[Interval, ...]


def slot_spec(minutes: int, step_minutes: int | None, zone: ZoneInfo) -> SlotSpec:
    if not 1 <= minutes <= MAX_SLOT_MINUTES:
        raise BadUserInput(f"must be 1 to {MAX_SLOT_MINUTES}", field="minutes")
    step = minutes if step_minutes is None else step_minutes
    if not 1 <= step <= MAX_SLOT_MINUTES:
        raise BadUserInput(f"must be 1 to {MAX_SLOT_MINUTES}", field="step_minutes")
    return SlotSpec(minutes=minutes, step_minutes=step, zone=zone)


def blocked_schedules(session: Session) -> tuple[str, ...]:
    """The schedules a session makes busy: its own and those it marks BUSY. Cancelled sessions and
    working hours (which open a schedule, not occupy it) block none."""
    if session.status is SessionStatus.CANCELLED or session.type is not SessionType.EVENT:
        return ()
    linked = (
        link.schedule_id for link in session.affected_schedules if link.transparency is Transparency.BUSY
    )
    return tuple(dict.fromkeys((session.schedule_id, *linked)))


def occupations(sessions: Iterable[Session]) -> list[Occupation]:
    found: list[Occupation] = []
    for session in sessions:
        end = session.end.utc + timedelta(minutes=session.time_reserved_after or 0)
        for schedule_id in blocked_schedules(session):
            found.append(Occupation(schedule_id, session.id, session.start.utc, end))
    return found


def opening(sessions: Iterable[Session], schedule_id: str) -> list[Interval]:
    """A schedule's working hours as intervals (unmerged)."""
    return [
        Interval(session.start.utc, session.end.utc)
        for session in sessions
        if session.type is SessionType.WORKING_HOURS
        and session.status is not SessionStatus.CANCELLED
        and session.schedule_id == schedule_id
    ]


def clip(intervals: Iterable[Interval], window: Interval) -> list[Interval]:
    clipped = (Interval(max(i.start, window.start), min(i.end, window.end)) for i in intervals)
    return [interval for interval in clipped if interval.start < interval.end]


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for interval in sorted(intervals):
        if merged and interval.start <= merged[-1].end:
            if interval.end > merged[-1].end:
                merged[-1] = Interval(merged[-1].start, interval.end)
        else:
            merged.append(interval)
    return merged


def merge_busy(found: Iterable[Occupation], window: Interval) -> list[BusyInterval]:
    """Occupations clipped to the window and merged, each naming the sessions behind it."""
    busy: list[tuple[datetime, datetime, set[str]]] = []
    for item in sorted(found, key=lambda o: (o.start, o.end)):
        start, end = max(item.start, window.start), min(item.end, window.end)
        if start >= end:
            continue
        if busy and start <= busy[-1][1]:
            last = busy[-1]
            last[2].add(item.session_id)
            busy[-1] = (last[0], max(last[1], end), last[2])
        else:
            busy.append((start, end, {item.session_id}))
    return [BusyInterval(start, end, tuple(sorted(ids))) for start, end, ids in busy]


def subtract(base: Sequence[Interval], minus: Sequence[Interval]) -> list[Interval]:
    """`base` without `minus`; both sorted and disjoint."""
    result: list[Interval] = []
    index = 0
    for interval in base:
        start = interval.start
        while index < len(minus) and minus[index].end <= start:
            index += 1
        cursor = index
        while cursor < len(minus) and minus[cursor].start < interval.end:
            if minus[cursor].start > start:
                result.append(Interval(start, minus[cursor].start))
            start = max(start, minus[cursor].end)
            cursor += 1
        if start < interval.end:
            result.append(Interval(start, interval.end))
    return result


def check_slot_work(window: Interval, spec: SlotSpec) -> None:
    if (window.end - window.start) / timedelta(minutes=spec.step_minutes) > MAX_SLOT_STARTS:
        raise BadUserInput(
            f"more than {MAX_SLOT_STARTS} slot starts in the window: use a shorter window or a longer step",
            field="step_minutes",
        )


def slot_starts(window: Interval, spec: SlotSpec) -> list[datetime]:
    """Every instant in the window whose wall time in the zone is on the step grid of its local day
    (counted from local midnight). A wall time in a DST gap starts no slot; one repeated by a fall-back
    starts two, one per instant."""
    check_slot_work(window, spec)
    zone, step = spec.zone, timedelta(minutes=spec.step_minutes)
    starts: set[datetime] = set()
    day = window.start.astimezone(zone).date() - DAY
    last_day = window.end.astimezone(zone).date() + DAY
    while day <= last_day:
        local = datetime.combine(day, time())
        while local.date() == day:
            for fold in (0, 1):
                instant = local.replace(tzinfo=zone, fold=fold).astimezone(UTC)
                # A wall time in a gap does not come back from its instant: it never happens.
                real = instant.astimezone(zone).replace(tzinfo=None) == local
                if real and window.start <= instant < window.end:
                    starts.add(instant)
            local += step
        day += DAY
    return sorted(starts)


def fitting_slots(free: Sequence[Interval], starts: Sequence[datetime], minutes: int) -> list[Interval]:
    """Slots of `minutes` (elapsed time) at the given starts that lie wholly inside one free interval."""
    length = timedelta(minutes=minutes)
    slots: list[Interval] = []
    for interval in free:
        index = bisect.bisect_left(starts, interval.start)
        while index < len(starts) and starts[index] + length <= interval.end:
            slots.append(Interval(starts[index], starts[index] + length))
            index += 1
    return slots


def availabilities(
    schedule_ids: Sequence[str],
    sessions: Sequence[Session],
    window: Interval,
    starts: Sequence[datetime] | None,
    spec: SlotSpec | None,
    with_hours: Collection[str],
) -> list[ScheduleAvailability]:
    """Busy, free (open time minus busy) and slots of each schedule. Open time is the schedule's working
    hours; a schedule that has none at all (not in `with_hours`) is open all the time."""
    blocking: dict[str, list[Occupation]] = defaultdict(list)
    for item in occupations(sessions):
        blocking[item.schedule_id].append(item)
    found: list[ScheduleAvailability] = []
    for schedule_id in schedule_ids:
        busy = merge_busy(blocking[schedule_id], window)
        has_hours = schedule_id in with_hours
        open_time = merge(clip(opening(sessions, schedule_id), window)) if has_hours else [window]
        free = subtract(open_time, [Interval(b.start, b.end) for b in busy])
        slots = [] if starts is None or spec is None else fitting_slots(free, starts, spec.minutes)
        found.append(ScheduleAvailability(schedule_id, tuple(busy), tuple(free), tuple(slots)))
    return found


def overlapping(wanted: Iterable[Occupation], existing: Iterable[Occupation]) -> list[Occupation]:
    """The existing occupations of a schedule that one of the wanted ones overlaps, earliest first."""
    by_schedule: dict[str, list[Occupation]] = {}
    for item in existing:
        by_schedule.setdefault(item.schedule_id, []).append(item)
    found: dict[tuple[str, str, datetime], Occupation] = {}
    for want in wanted:
        for item in by_schedule.get(want.schedule_id, ()):
            if item.start < want.end and want.start < item.end:
                found[(item.schedule_id, item.session_id, item.start)] = item
    return sorted(found.values(), key=lambda o: (o.start, o.schedule_id, o.session_id))
