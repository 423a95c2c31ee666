"""Page requests (GraphQL Cursor Connections): forwards, backwards, between two cursors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bookings_sessions.domain.errors import BadUserInput
from bookings_sessions.domain.paging import Page, SortKey, encode_cursor, page_request

BASE = datetime(2030, 1, 7, tzinfo=UTC)
KEYS: list[SortKey] = [(BASE + timedelta(hours=hour), f"s{hour}") for hour in range(10)]


def _page(
    first: int | None = None, after: int | None = None, last: int | None = None, before: int | None = None
) -> Page[SortKey]:
    request = page_request(
        first,
        None if after is None else encode_cursor(KEYS[after]),
        last,
        None if before is None else encode_cursor(KEYS[before]),
        default=4,
        maximum=5,
    )
    # What a store answers: the admitted keys nearest the cursor first, one more than the page holds.
    found = sorted((key for key in KEYS if request.admits(key)), reverse=request.backward)[: request.size + 1]
    return request.page(found, lambda key: key)


def test_forwards_after_a_cursor() -> None:
    page = _page(first=3, after=2)
    assert page.items == KEYS[3:6] and page.has_next_page and not page.has_previous_page
    assert page.start_cursor == encode_cursor(KEYS[3]) and page.end_cursor == encode_cursor(KEYS[5])


def test_backwards_before_a_cursor_answers_in_ascending_order() -> None:
    page = _page(last=3, before=8)
    assert page.items == KEYS[5:8] and page.has_previous_page and not page.has_next_page
    assert page.start_cursor == encode_cursor(KEYS[5])
    assert _page(last=5, before=3).items == KEYS[0:3] and not _page(last=5, before=3).has_previous_page


def test_backwards_without_a_cursor_is_the_end_of_the_list() -> None:
    assert _page(last=2).items == KEYS[8:]


def test_between_two_cursors() -> None:
    assert _page(first=5, after=1, before=4).items == KEYS[2:4]
    assert _page(last=1, after=1, before=4).items == [KEYS[3]]


def test_without_first_or_last_the_default_size_forwards() -> None:
    page = _page()
    assert page.items == KEYS[:4] and page.has_next_page


def test_an_empty_page_has_no_cursors() -> None:
    page = _page(first=2, after=9)
    assert page.items == [] and page.start_cursor is None and page.end_cursor is None


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"first": 1, "last": 1}, "last"),
        ({"last": 0}, "last"),
        ({"last": 6}, "last"),
        ({"first": 6}, "first"),
    ],
)
def test_refused_requests_name_their_argument(arguments: dict[str, int], field: str) -> None:
    with pytest.raises(BadUserInput) as refused:
        _page(**arguments)
    assert refused.value.field == field


def test_a_cursor_that_is_not_ours_names_before() -> None:
    with pytest.raises(BadUserInput) as refused:
        page_request(None, None, 1, "nonsense!", default=4, maximum=5)
    assert refused.value.field == "before"
