"""Calendar feeds as the tests use them: minting one through the API, reading it, expanding it with an
independent library (`recurring-ical-events`), and the API's own listing of the same window."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import httpx
import recurring_ical_events
from icalendar import Calendar

from .api import Api
from .graphql import sessions_query, window
from .tokens import AS_ADMIN, AsAdmin

CREATE_FEED = """
mutation Feed($scheduleId: String!, $includePrivate: Boolean) {
  createCalendarFeed(scheduleId: $scheduleId, includePrivate: $includePrivate) { id scheduleId url }
}
"""
REVOKE_FEED = "mutation Revoke($id: ID!) { revokeCalendarFeed(id: $id) }"
LISTED = sessions_query("title status start { timestamp } end { timestamp }")

# (start, end, title) of one occurrence, instants in UTC.
Row = tuple[datetime, datetime, str | None]


async def create_feed(
    api: Api, schedule_id: str, include_private: bool | None = None, token: str | AsAdmin | None = AS_ADMIN
) -> dict[str, Any]:
    variables: dict[str, Any] = {"scheduleId": schedule_id}
    if include_private is not None:
        variables["includePrivate"] = include_private
    feed: dict[str, Any] = (await api.data(CREATE_FEED, variables, token))["createCalendarFeed"]
    return feed


async def fetch(api: Api, url: str, **headers: str) -> httpx.Response:
    return await api.client.get(url, headers=headers)


def expanded(ics: bytes, start: datetime, end: datetime) -> list[Row]:
    """The feed's occurrences overlapping [start, end), as recurring-ical-events expands them."""
    calendar = Calendar.from_ical(ics)
    rows: list[Row] = []
    for event in recurring_ical_events.of(calendar).between(start, end):
        first, last = event.decoded("DTSTART"), event.decoded("DTEND")
        summary = event.get("SUMMARY")
        rows.append((first.astimezone(UTC), last.astimezone(UTC), None if summary is None else str(summary)))
    return sorted(rows, key=_row_key)


async def api_listing(api: Api, schedule_id: str, start: datetime, end: datetime) -> list[Row]:
    """`sessions(expandInstances: true)` of the schedule in [start, end), every page, cancelled ones
    left out (the feed leaves them out too)."""
    rows: list[Row] = []
    after: str | None = None
    while True:
        variables = {
            "filter": {"scheduleId": schedule_id},
            "window": window(start, end),
            "expand": True,
            "first": 500,
            "after": after,
        }
        page = (await api.data(LISTED, variables))["sessions"]
        for edge in page["edges"]:
            node = edge["node"]
            if node["status"] != "CANCELLED":
                rows.append((_instant(node["start"]), _instant(node["end"]), node["title"]))
        if not page["pageInfo"]["hasNextPage"]:
            return sorted(rows, key=_row_key)
        after = page["pageInfo"]["endCursor"]


def _instant(value: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(value["timestamp"].replace("Z", "+00:00")).astimezone(UTC)


def _row_key(row: Row) -> tuple[datetime, datetime, str]:
    return (row[0], row[1], row[2] or "")


def today() -> date:
    return datetime.now(UTC).date()
