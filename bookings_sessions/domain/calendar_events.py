"""A schedule's sessions as iCalendar events (RFC 5545), before formatting: one event per single session and
per series history entry, with EXDATE/RDATE and overriding events, so a calendar app expands exactly the
occurrences the API lists; cancelled ones left out (docs/design.md §6, "Calendar feeds").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .all_day import length_in_days
from .date_lists import DateValue, as_local
from .model import Session
from .recurrence import RecurrenceRule, last_start, occurrences
from .series import (
    FAR_FUTURE,
    HistoryEntry,
    InstanceOverride,
    Series,
    SeriesSnapshot,
    find_occurrence,
    materialize,
)
from .timezones import DATE_SLACK, SessionTime, to_utc, zone_or_error
from .values import SessionStatus

UID_DOMAIN = "bookings-sessions"


@dataclass(frozen=True, slots=True)
class FeedEvent:
    """One VEVENT. `session` gives its values (title, status, revision, …); times are aware, in the
    zone they are shown in. With `rule` (or `rdates`), the event repeats; with `recurrence_id`, it
    overrides the occurrence of the event with the same UID that the rule puts there."""

    uid: str
    session: Session
    start: datetime
    end: datetime
    rule: str | None = None
    duration: timedelta | None = None  # a series' event: every occurrence's length
    exdates: list[datetime] = field(default_factory=list)
    rdates: list[datetime] = field(default_factory=list)  # occurrences added to the rule's
    recurrence_id: datetime | None = None

    @property
    def all_day(self) -> bool:
        """Whole local days: written as dates (`VALUE=DATE`), the times' local dates."""
        return self.session.all_day


def aware(value: SessionTime) -> datetime:
    """The instant as a wall time in its own zone (how DTSTART;TZID=… says it)."""
    return value.utc.astimezone(zone_or_error(value.zone, "time_zone"))


def single_events(sessions: Iterable[Session]) -> list[FeedEvent]:
    return [
        FeedEvent(
            uid=f"{session.id}@{UID_DOMAIN}",
            session=session,
            start=aware(session.start),
            end=aware(session.end),
        )
        for session in sessions
        if session.status is not SessionStatus.CANCELLED
    ]


def _entry_uid(series: Series, entry: HistoryEntry) -> str:
    if entry.from_date is None:
        return f"{series.id}@{UID_DOMAIN}"
    return f"{series.id}-{entry.from_date.isoformat()}@{UID_DOMAIN}"


def _entry_event(series: Series, index: int, first_day: date) -> FeedEvent | None:
    """The repeating event of one history entry, from its first occurrence on or after `first_day`."""
    entry = series.history[index]
    snapshot = entry.snapshot
    zone = snapshot.zone
    upper = series.history[index + 1].from_date if index + 1 < len(series.history) else None
    lower = max(entry.from_date or first_day, first_day)
    if upper is not None and lower >= upper:
        return None
    search_from = to_utc(datetime.combine(lower, time()), zone) - DATE_SLACK
    first = next(
        (
            local
            for local in occurrences(snapshot.rule, snapshot.start.local, zone, search_from, FAR_FUTURE)
            if local.date() >= lower
        ),
        None,
    )
    if first is None or (upper is not None and first.date() >= upper):
        return None
    # COUNT counts from the first start, so from a later DTSTART the rule says its end as an UNTIL; the
    # next entry's first date ends this one (its last local date's end, in UTC as RFC 5545 wants). The
    # RRULE's own end, without RDATEs: RFC 5545 adds an RDATE whatever the UNTIL.
    bounds = [last_start(snapshot.rule.without_dates(), snapshot.start.local, zone)]
    if upper is not None:
        bounds.append(to_utc(datetime.combine(upper, time()), zone) - timedelta(seconds=1))
    until = min((bound for bound in bounds if bound is not None), default=None)
    template = materialize(series, entry, first, None)
    start = first.replace(tzinfo=zone)  # the nominal wall time: RFC 5545 moves one in a gap as we do
    # Only the EXDATE/RDATE values on the dates this entry governs (the next entry's have its event).
    exdates, rdates = _entry_dates(snapshot.rule.dates_within(lower, upper), zone, snapshot.start.local)
    return FeedEvent(
        uid=_entry_uid(series, entry),
        session=template,  # its revision is the series' (no exception)
        start=start,
        end=aware(template.end),
        rule=_rule_text(snapshot.rule, until, to_utc(first, zone)),
        duration=_duration(snapshot),
        exdates=[value for value in exdates if value >= start],
        rdates=[value for value in rdates if value > start],  # DTSTART is an occurrence by itself
    )


def _duration(snapshot: SeriesSnapshot) -> timedelta:
    """Every occurrence's length: exact, or whole (nominal) days for an all-day one, however long."""
    if snapshot.all_day:
        return timedelta(days=length_in_days(snapshot.start, snapshot.end))
    return snapshot.duration


def _rule_text(rule: RecurrenceRule, until: datetime | None, first: datetime) -> str | None:
    """The RRULE alone, ended at `until`; none when it ended before the event's first start (which is
    then an RDATE): RFC 5545 readers drop a DTSTART after the UNTIL, the event's RDATEs still count."""
    if until is not None and until < first:
        return None
    return rule.without_dates().bounded_by(until).to_rrule()


def _entry_dates(
    rule: RecurrenceRule, zone: ZoneInfo, first_start: datetime
) -> tuple[list[datetime], list[datetime]]:
    """A rule's EXDATE and RDATE values as wall times in the series' zone (aware)."""

    def local(values: tuple[DateValue, ...]) -> list[datetime]:
        return [as_local(value, zone, rule.tzid, first_start).replace(tzinfo=zone) for value in values]

    return local(rule.exdates), local(rule.rdates)


def _moved_into(instance: Session, first_day: date, schedule_id: str) -> bool:
    start_of_feed = datetime.combine(first_day, time(), UTC)
    return instance.schedule_id == schedule_id and instance.end.utc > start_of_feed


def series_events(
    series: Series, overrides: Iterable[InstanceOverride], first_day: date, schedule_id: str
) -> list[FeedEvent]:
    """The events of one series from `first_day` on: a repeating event per shown history entry, then
    its exceptions (EXDATEs and overriding events)."""
    masters: dict[int, FeedEvent] = {}
    for index, entry in enumerate(series.history):
        snapshot = entry.snapshot
        if snapshot.status is SessionStatus.CANCELLED or snapshot.schedule_id != schedule_id:
            continue  # a cancelled entry cancels all it governs; another schedule's is not this feed's
        event = _entry_event(series, index, first_day)
        if event is not None:
            masters[id(entry)] = event
    changed: list[FeedEvent] = []
    for override in sorted(overrides, key=lambda item: item.occurrence_date):
        found = find_occurrence(series, override.occurrence_date)
        if found is None:
            continue  # no longer an occurrence
        entry, nominal = found
        instance = materialize(series, entry, nominal, override)
        if override.occurrence_date < first_day:
            # Before the events' first date, so not in their rules: shown on its own if moved into the feed.
            if _moved_into(instance, first_day, schedule_id):
                changed.extend(single_events([instance]))
            continue
        master = masters.get(id(entry))
        if master is None:
            continue  # of an entry the feed does not show
        original = nominal.replace(tzinfo=entry.snapshot.zone)
        if instance.status is SessionStatus.CANCELLED:
            master.exdates.append(original)
            continue
        changed.append(
            FeedEvent(
                uid=master.uid,
                session=instance,
                start=aware(instance.start),
                end=aware(instance.end),
                recurrence_id=original,
            )
        )
    return [*masters.values(), *changed]
