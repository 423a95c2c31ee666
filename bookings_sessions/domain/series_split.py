"""Splitting a series at an occurrence ("this and following"), and ending it before one: pure planning of
the original's new UNTIL and the new series' entries and exceptions (docs/design.md §2, "Splitting").
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from .commands import NotificationRequest, SessionPatch
from .errors import BadUserInput
from .idempotency import fingerprint
from .occurrence_capacity import check_occurrences
from .recurrence import is_occurrence, local_last
from .series import (
    FAR_FUTURE,
    FAR_PAST,
    HistoryEntry,
    InstanceOverride,
    Series,
    find_occurrence,
    nominal_occurrences,
    nominal_time,
    occurrence_times,
)
from .series_patch import first_unstarted_date, plan_series_update, prune
from .timezones import DATE_SLACK, to_utc

# Split ids are uuid5 in a namespace of their own, of the series and the request: the same request
# always gives the same id, so a retried or resumed split writes (and finds) the same documents again
# instead of new ones, and another request never does, so it is never taken for a retry of this one.
_SPLIT_NAMESPACE = uuid.UUID("6f1d7a52-38c4-4c55-9a52-1f2f0c0f5b11")


def scoped_request(
    caller: str | None,
    instance_id: str,
    kind: str,
    patch: SessionPatch,
    notification: NotificationRequest | None,
    expected_revision: int | None,
) -> str:
    """What makes a THIS_AND_FOLLOWING request the same request again (a retry): the same caller
    sending the same change (or delete) of the same occurrence, with the same notification and the
    same expected revision. Two editors never send the same request: their callers differ."""
    return fingerprint(
        {
            "caller": caller or "",
            "instance": instance_id,
            "kind": kind,
            "patch": patch.model_dump(mode="json", exclude_unset=True),
            "notification": None if notification is None else notification.model_dump(mode="json"),
            "expected": expected_revision,
        }
    )


def split_id(series_id: str, request: str) -> str:
    """The new series a request's split makes (or, for an end, the mark its write leaves)."""
    return uuid.uuid5(_SPLIT_NAMESPACE, f"{series_id}|{request}").hex


def first_date(series: Series) -> date | None:
    first = next(nominal_occurrences(series, FAR_PAST, FAR_FUTURE), None)
    return None if first is None else first[1].date()


def split_date(series: Series, occurrence_date: date, now: datetime) -> date | None:
    """Where a split asked for at `occurrence_date` happens: that occurrence, or the first one that has
    not started yet if it has (past occurrences never change); None if there is none left."""
    day = first_unstarted_date(series, now)
    if occurrence_date >= day:
        return occurrence_date
    zone = series.current.zone
    lower = to_utc(datetime.combine(day, time()), zone) - DATE_SLACK
    for _, local in nominal_occurrences(series, lower, FAR_FUTURE):
        if local.date() >= day:
            return local.date()
    return None


def has_occurrence_before(series: Series, day: date) -> bool:
    first = first_date(series)
    return first is not None and first < day


def end_before(series: Series, day: date, now: datetime) -> Series:
    """The series without its occurrences on local dates from `day` on (its rule gets an UNTIL)."""
    kept = [entry for entry in series.history if entry.from_date is None or entry.from_date < day]
    last = kept[-1].snapshot
    rule = last.rule
    boundary = to_utc(datetime.combine(day, time()), last.zone) - timedelta(seconds=1)
    count_last = local_last(rule, last.start.local)
    if rule.count is not None and count_last is not None and count_last.date() < day:
        bounded = rule  # the COUNT already ends it before the split
    elif rule.until is not None and rule.until <= boundary:
        bounded = rule
    else:
        bounded = rule.bounded_by(boundary)
    bounded = bounded.dates_within(None, day)  # an RDATE is not bounded by UNTIL (RFC 5545)
    kept[-1] = kept[-1].model_copy(
        update={"snapshot": last.model_copy(update={"recurrence": bounded.to_rrule()})}
    )
    ended = series.model_copy(
        update={"history": tuple(kept), "revision": series.revision + 1, "updated_date": now}
    )
    return prune(ended)


def ended_before(series: Series, day: date) -> bool:
    """Whether `day` is no occurrence only because the series now ends before it: one of its last
    rule's without the bound that `end_before` gives it (a split or an end of the series)."""
    if find_occurrence(series, day) is not None:
        return False
    last = series.history[-1]
    unbounded = last.snapshot.model_copy(
        update={"recurrence": last.snapshot.rule.bounded_by(None).to_rrule()}
    )
    history = (*series.history[:-1], last.model_copy(update={"snapshot": unbounded}))
    return find_occurrence(series.model_copy(update={"history": history}), day) is not None


def tail_from(series: Series, day: date, new_id: str, now: datetime) -> Series:
    """A new series of the occurrences on local dates from `day` (an occurrence) on, unchanged."""
    found = find_occurrence(series, day)
    assert found is not None, "a split date is an occurrence"
    entry, nominal = found
    snapshot = entry.snapshot
    rule = snapshot.rule
    if is_occurrence(rule.without_dates(), snapshot.start.local, snapshot.zone, day) is None:
        # The new series starts there, and a series' start anchors its RRULE (INTERVAL, month day).
        raise BadUserInput(
            f"the occurrence on {day.isoformat()} comes from an RDATE: a series cannot be split there;"
            " change it alone (scope THIS), or split at an occurrence of the RRULE",
            field="options.scope",
        )
    count_last = local_last(rule, snapshot.start.local)
    if count_last is not None:  # keep exactly the remaining occurrences (docs/recurring.md, COUNT)
        end_of_day = to_utc(datetime.combine(count_last.date(), time(23, 59, 59)), snapshot.zone)
        rule = rule.bounded_by(end_of_day)
    first = snapshot.model_copy(
        update={
            # EXDATE/RDATE values before the split date stay with the original series.
            "recurrence": rule.dates_within(day, None).to_rrule(),
            "start": nominal_time(nominal, snapshot.start.zone),
            "end": occurrence_times(snapshot, nominal)[1],
        }
    )
    later = [e for e in series.history if e.from_date is not None and e.from_date > day]
    history = (HistoryEntry(from_date=None, effective_from=now, snapshot=first), *later)
    return Series(id=new_id, history=history, revision=1, created_date=now, updated_date=now)


def moved_overrides(
    overrides: list[InstanceOverride], new_id: str, day: date, now: datetime
) -> list[InstanceOverride]:
    """The original's exceptions dated from `day` on, under the new series: same overrides, new ids,
    at revision 1 as the new series is (`shown_revision`)."""
    return [
        override.model_copy(
            update={"series_id": new_id, "revision": 1, "series_revision": 1, "updated_date": now}
        )
        for override in overrides
        if override.occurrence_date >= day
    ]


def _renamed(series: Series, series_id: str) -> Series:
    return series.model_copy(update={"id": series_id})


@dataclass(frozen=True)
class SplitPlan:
    day: date
    original: Series  # ended before `day`
    tail: Series  # the new series, the change applied
    moved: list[InstanceOverride]


def plan_split(
    series: Series,
    day: date,
    overrides: list[InstanceOverride],
    patch: SessionPatch,
    *,
    request: str,
    business_zone: str,
    now: datetime,
) -> SplitPlan | None:
    """The split at `day` (from `split_date`) for an update with scope THIS_AND_FOLLOWING (`request`,
    from `scoped_request`); None when the change changes nothing."""
    new_id = split_id(series.id, request)
    tail = tail_from(series, day, new_id, now)
    changed = plan_series_update(tail, patch, business_zone=business_zone, now=now)
    if changed is None:
        return None
    taken = [override for override in overrides if override.occurrence_date >= day]
    # Checked under the original's id: the occurrences are named as the client knows them now.
    check_occurrences(_renamed(tail, series.id), _renamed(changed, series.id), taken, patch.given)
    return SplitPlan(
        day=day,
        original=end_before(series, day, now),
        tail=changed.model_copy(update={"revision": 1}),
        moved=moved_overrides(overrides, new_id, day, now),
    )
