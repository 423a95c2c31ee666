"""`Session.listed`: a listing's sessions are mapped once per domain object the store hands out."""

from __future__ import annotations

from bookings_sessions.domain.model import SessionKind
from bookings_sessions.schema.types import Session
from tests.support.domain import make_session


def test_the_same_domain_session_is_mapped_once() -> None:
    stored = make_session("s1")
    assert Session.listed(stored) is Session.listed(stored)
    assert Session.listed(stored) == Session.from_domain(stored)


def test_another_domain_session_is_mapped_afresh_even_when_equal() -> None:
    stored = make_session("s1")
    changed = make_session("s1", notes="changed")
    equal_copy = make_session("s1")
    assert Session.listed(changed).notes == "changed"
    assert Session.listed(equal_copy) is not Session.listed(stored)
    assert Session.listed(stored).notes == "A first note"


def test_instances_are_mapped_but_not_kept() -> None:
    """Every page computes its instances afresh: keeping them would only push stored sessions out."""
    instance = make_session("s1", kind=SessionKind.INSTANCE, recurring_session_id="series1")
    assert Session.listed(instance) is not Session.listed(instance)
    assert Session.listed(instance) == Session.from_domain(instance)
