"""The store queries behind busy time: every document that may open or block some schedules in a window.

One `availability` request (or one conflict check) reads in two round trips: a first `$or` for the
schedules' own sessions and series, those of other schedules naming them among their affected schedules,
exceptions naming them, and exceptions moved into the window; then a second `$or` for the exceptions of
every series the first found (an exception document names its series, not its schedule) and the series
only an exception named. On FerretDB each round trip decodes the whole collection whatever its filter, so
the number of round trips is the cost; on MongoDB each branch of an `$or` is planned on its own index,
named here by its `QUERY_SHAPES` entry (storage/store.py; tests/storage/test_indexes.py checks both).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..domain.listing import Window
from ..domain.model import Session
from ..domain.series import InstanceOverride, Series
from ..domain.timezones import DATE_SLACK
from ..domain.values import SessionStatus, SessionType
from .documents import Document
from .series_documents import date_to_doc


@dataclass(frozen=True, slots=True)
class BlockingDocuments:
    """What the two reads found: single sessions, series (to expand), their exceptions, which of the
    schedules have working hours among these documents, and whether the first read stayed under its limit."""

    sessions: list[Session]
    series: list[Series]
    overrides: list[InstanceOverride]
    working_hours: set[str]
    complete: bool


# One branch of an `$or`: the `QUERY_SHAPES` name of its shape, and its filter.
Branch = tuple[str, Document]


def _overlapping(window: Window) -> Document:
    return {"start.utc": {"$lt": window.end}, "end.utc": {"$gt": window.start}}


def _spanning(window: Window) -> Document:
    """Series whose precomputed UTC span may hold an occurrence in the window (as `find_series`)."""
    return {"spanFrom": {"$lt": window.end}, "spanTo": {"$gte": window.start - DATE_SLACK}}


def _dated(window: Window) -> Document:
    """Exceptions of occurrences dated in the window, a day's slack either side for the zones."""
    first, last = (window.start - DATE_SLACK).date(), (window.end + DATE_SLACK).date()
    return {"occurrenceDate": {"$gte": date_to_doc(first), "$lte": date_to_doc(last)}}


def moved_into(window: Window) -> Document:
    """Exceptions moved (`fixed`) to overlap the window, whichever their series' schedule."""
    return {"kind": "instance", "startMode": "fixed", **_overlapping(window)}


def first_branches(schedule_ids: Sequence[str], window: Window) -> list[Branch]:
    """Own and affecting sessions and series, exceptions naming the schedules or moved into the window."""
    ids: Document = {"$in": list(schedule_ids)}
    return [
        ("own_sessions", {"scheduleId": ids, "kind": "single", **_overlapping(window)}),
        ("series_in_window_by_schedules", {"scheduleId": ids, "kind": "series", **_spanning(window)}),
        (
            "affecting_sessions",
            {"affectedSchedules.scheduleId": ids, "kind": "single", **_overlapping(window)},
        ),
        (
            "affecting_series",
            {"history.snapshot.affectedSchedules.scheduleId": ids, "kind": "series", **_spanning(window)},
        ),
        (
            "affecting_exceptions",
            {"overrides.affectedSchedules.scheduleId": ids, "kind": "instance", **_dated(window)},
        ),
        # Also covers exceptions naming the schedules that were moved into the window from other dates.
        ("moved_into_window", moved_into(window)),
    ]


def second_branches(series_ids: Sequence[str], unread_ids: Sequence[str], window: Window) -> list[Branch]:
    """The stored exceptions of `series_ids` the window needs, and the `unread_ids` documents by `_id`."""
    ids: Document = {"$in": list(series_ids)}
    branches: list[Branch] = [
        ("instance_exceptions", {"recurringSessionId": ids, "kind": "instance", **_dated(window)}),
        (
            "moved_instance_exceptions",
            {"recurringSessionId": ids, "kind": "instance", "startMode": "fixed", **_overlapping(window)},
        ),
    ]
    if unread_ids:
        branches.append(("by_ids", {"_id": {"$in": list(unread_ids)}}))
    return branches


def any_of(branches: list[Branch]) -> Document:
    return {"$or": [query for _, query in branches]}


def working_hours_of(
    schedule_ids: Sequence[str], sessions: Iterable[Session], series: Iterable[Document]
) -> set[str]:
    """Which of the schedules the documents read show to have working hours (a session or series not
    cancelled, as `schedules_with_working_hours` asks). A schedule not shown may still have some outside
    the window: the caller asks the store about those."""
    found = {
        session.schedule_id
        for session in sessions
        if session.type is SessionType.WORKING_HOURS and session.status is not SessionStatus.CANCELLED
    }
    found |= {
        str(doc.get("scheduleId"))
        for doc in series
        if doc.get("type") == SessionType.WORKING_HOURS.value
        and doc.get("status") != SessionStatus.CANCELLED.value
    }
    return found & set(schedule_ids)
