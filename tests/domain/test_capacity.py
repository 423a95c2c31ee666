"""The capacity rule on its own: the resulting values decide, the error names the field the request gave."""

from __future__ import annotations

import pytest

from bookings_sessions.domain.errors import BadUserInput
from bookings_sessions.domain.fields import SessionValues, check_capacity
from bookings_sessions.domain.values import Participant


def values(capacity: int | None, *sizes: int) -> SessionValues:
    return SessionValues(
        schedule_id="s", capacity=capacity, participants=tuple(Participant(party_size=size) for size in sizes)
    )


@pytest.mark.parametrize(
    ("given", "named"),
    [
        ({"capacity"}, "capacity"),
        ({"participants"}, "participants"),
        ({"capacity", "participants"}, "capacity"),
        (set(), "participants"),
    ],
)
def test_above_capacity_names_the_given_field(given: set[str], named: str) -> None:
    with pytest.raises(BadUserInput) as raised:
        check_capacity(values(3, 2, 2), given)
    assert raised.value.field == named


@pytest.mark.parametrize("session", [values(None, 900, 900), values(4, 2, 2), values(0)])
def test_within_capacity_or_without_one_passes(session: SessionValues) -> None:
    check_capacity(session, {"capacity", "participants"})
