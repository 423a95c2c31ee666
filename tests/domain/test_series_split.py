"""What makes a THIS_AND_FOLLOWING request the same one again, and which dates a series ended before."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bookings_sessions.domain.commands import NotificationRequest, SessionPatch
from bookings_sessions.domain.series_split import end_before, ended_before, scoped_request, split_id
from tests.support.domain import make_series

MONDAY = date(2030, 1, 7)
NOW = datetime(2029, 12, 1, tzinfo=UTC)


def request(
    caller: str = "a",
    tags: tuple[str, ...] = ("x",),
    expected: int | None = 1,
    *,
    kind: str = "UPDATED",
    instance: str = "i_1",
    notification: NotificationRequest | None = None,
) -> str:
    patch = SessionPatch.from_given({"tags": list(tags)})
    return scoped_request(caller, instance, kind, patch, notification, expected)


def test_the_same_request_is_the_same_and_any_difference_is_another() -> None:
    same = request()
    assert request() == same
    others = [
        request(caller="b"),
        request(tags=("y",)),
        request(expected=2),
        request(expected=None),
        request(kind="CANCELLED"),
        request(instance="i_2"),
        request(notification=NotificationRequest(notify_participants=True)),
    ]
    assert same not in others and len(set(others)) == len(others)
    assert split_id("s1", same) == split_id("s1", request()) != split_id("s2", same)


def test_ended_before_names_the_dates_an_end_took_out_and_no_others() -> None:
    series = make_series(MONDAY, rule="FREQ=WEEKLY;BYDAY=MO")
    cut = MONDAY + timedelta(weeks=4)
    ended = end_before(series, cut, NOW)
    assert not ended_before(ended, MONDAY)  # still an occurrence
    assert ended_before(ended, cut) and ended_before(ended, cut + timedelta(weeks=9))
    assert not ended_before(ended, cut + timedelta(days=2))  # a Wednesday: never an occurrence
    assert not ended_before(series, cut)  # not ended: an occurrence
