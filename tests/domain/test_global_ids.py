"""Global ids: a round trip for every type and id, and nothing else parses."""

from __future__ import annotations

import base64
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from bookings_sessions.domain.global_ids import MAX_GLOBAL_ID_LENGTH, global_id, parse_global_id
from bookings_sessions.domain.recurrence import instance_id

type_names = st.from_regex(r"[A-Z][A-Za-z]{0,20}", fullmatch=True)
own_ids = st.text(min_size=1, max_size=80).filter(lambda text: len(global_id("Session", text)) <= 200)


@given(type_names, own_ids)
def test_every_global_id_parses_back_to_its_type_and_id(type_name: str, own_id: str) -> None:
    assert parse_global_id(global_id(type_name, own_id)) == (type_name, own_id)


def test_an_instance_id_is_an_own_id_like_any_other() -> None:
    occurrence = instance_id("0123456789abcdef0123456789abcdef", date(2030, 1, 7))
    assert parse_global_id(global_id("Session", occurrence)) == ("Session", occurrence)


def test_ids_of_different_types_differ() -> None:
    assert global_id("Session", "x1") != global_id("Notification", "x1")


@given(st.text(max_size=300))
def test_arbitrary_text_either_parses_canonically_or_is_none(text: str) -> None:
    parsed = parse_global_id(text)
    assert parsed is None or global_id(*parsed) == text


def test_what_is_not_a_canonical_global_id_is_none() -> None:
    padded = base64.urlsafe_b64encode(b"Session:abc").decode()  # with '=' padding
    assert padded.endswith("=") and parse_global_id(padded) is None
    assert parse_global_id(base64.urlsafe_b64encode(b"no separator").decode().rstrip("=")) is None
    assert parse_global_id(base64.urlsafe_b64encode(b":no type").decode().rstrip("=")) is None
    assert parse_global_id(base64.urlsafe_b64encode(b"Session:").decode().rstrip("=")) is None
    assert parse_global_id("U2Vzc2lvbjphYmM!") is None  # not base64url
    assert parse_global_id("") is None
    assert parse_global_id(global_id("Session", "a" * 300)) is None  # over MAX_GLOBAL_ID_LENGTH
    assert len(global_id("Session", "a" * 300)) > MAX_GLOBAL_ID_LENGTH
