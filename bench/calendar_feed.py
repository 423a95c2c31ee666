"""The calendar feed rows: a busy schedule's `.ics` feed against the API's listing of the same year.

The seed is one studio schedule, relative to today so the feed's window (docs/calendars.md) covers it:
four weekly classes (two days a week each, in London and New York, begun three months ago), each with a
moved, a resized and a cancelled occurrence, and a one-off session every week of the year ahead. The
row GETs the feed (every session from three months back, each series as its rule); its same-run
baseline is `sessions(expandInstances: true)` of the same schedule for the year ahead, one page of
≤ 500, which reads the same documents but writes JSON instead of iCalendar. Removed after the rows.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

from .procs import graphql
from .scenarios import CREATE

SCHEDULE = "bench-calendar-feed"
ZONES = ("Europe/London", "America/New_York")
CLASSES = (("MO,WE", 7), ("TU,TH", 12), ("MO,FR", 18), ("WE,SA", 9))
CREATE_FEED = "mutation Feed($scheduleId: String!) { createCalendarFeed(scheduleId: $scheduleId) { id url } }"
UPDATE = (
    "mutation U($id: ID!, $info: UpdateSessionInfo!) "
    "{ updateSession(sessionId: $id, sessionInfo: $info) { _id } }"
)
DELETE = "mutation D($id: ID!) { deleteSession(sessionId: $id) { _id } }"
INSTANCES = (
    "query Of($id: ID!, $window: TimeWindow) { sessions(filter: {recurringSessionId: $id}, "
    "window: $window, expandInstances: true, first: 20) { edges { node { _id start { timeZone localDateTime "
    "{ year monthOfYear dayOfMonth hourOfDay } } } } } }"
)
LISTING = (
    "query Listed($id: String!, $window: TimeWindow) "
    "{ sessions(filter: {scheduleId: $id}, window: $window, expandInstances: true, first: 500) "
    "{ edges { node { _id title status start { timestamp } end { timestamp } } } pageInfo { hasNextPage } } }"
)


def _wall(day: date, hour: int, zone: str, minute: int = 0) -> dict[str, Any]:
    local = {"year": day.year, "monthOfYear": day.month, "dayOfMonth": day.day, "hourOfDay": hour}
    return {"localDateTime": {**local, "minutesOfHour": minute}, "timeZone": zone}


def _monday(today: date, weeks: int) -> date:
    return today - timedelta(days=today.weekday()) + timedelta(weeks=weeks)


def series_infos(today: date) -> list[dict[str, Any]]:
    first = _monday(today, -13)
    return [
        {
            "scheduleId": SCHEDULE,
            "title": f"class {days}",
            "recurrence": f"FREQ=WEEKLY;BYDAY={days}",
            "start": _wall(first, hour, ZONES[index % 2]),
            "end": _wall(first, hour + 1, ZONES[index % 2]),
            "tags": ["GROUP"],
        }
        for index, (days, hour) in enumerate(CLASSES)
    ]


def single_infos(today: date) -> list[dict[str, Any]]:
    return [
        {
            "scheduleId": SCHEDULE,
            "title": f"one-off {week}",
            "start": _wall(_monday(today, week) + timedelta(days=week % 5), 15, ZONES[week % 2]),
            "end": _wall(_monday(today, week) + timedelta(days=week % 5), 16, ZONES[week % 2], 30),
        }
        for week in range(1, 51)
    ]


def listing_window(today: date) -> dict[str, str]:
    start = datetime(today.year, today.month, today.day, tzinfo=UTC)
    return {"from": start.isoformat(), "to": (start + timedelta(days=365)).isoformat()}


def listing_body(today: date) -> str:
    variables = {"id": SCHEDULE, "window": listing_window(today)}
    return json.dumps({"query": LISTING, "variables": variables})


def _exceptions(port: int, admin: str, series_id: str, today: date) -> None:
    """Moves, resizes and cancels three of the series' occurrences in the weeks ahead."""
    start = datetime(today.year, today.month, today.day, tzinfo=UTC) + timedelta(days=7)
    window = {"from": start.isoformat(), "to": (start + timedelta(days=14)).isoformat()}
    edges = _ok(graphql(port, INSTANCES, {"id": series_id, "window": window}, admin))["sessions"]["edges"]
    moved, resized, cancelled = (edge["node"] for edge in edges[:3])
    for node, info in (
        (moved, {"start": _shifted(moved, 2), "end": _shifted(moved, 3)}),
        (resized, {"end": _shifted(resized, 2)}),
    ):
        _ok(graphql(port, UPDATE, {"id": node["_id"], "info": info}, admin))
    _ok(graphql(port, DELETE, {"id": cancelled["_id"]}, admin))


def _shifted(node: dict[str, Any], hours: int) -> dict[str, Any]:
    wall = dict(node["start"]["localDateTime"])
    wall["hourOfDay"] += hours
    return {"localDateTime": {**wall, "minutesOfHour": 0}, "timeZone": node["start"]["timeZone"]}


def _ok(body: dict[str, Any]) -> dict[str, Any]:
    if body.get("errors"):
        raise RuntimeError(f"seeding the calendar feed failed: {body['errors'][0]}")
    data: dict[str, Any] = body["data"]
    return data


def seed(port: int, admin: str, today: date) -> str:
    """Creates the seed through the API and mints its feed; the feed's URL (path and token)."""
    for info in series_infos(today):
        created = _ok(graphql(port, CREATE, {"info": info}, admin))["createSession"]
        _exceptions(port, admin, created["_id"], today)
    for info in single_infos(today):
        _ok(graphql(port, CREATE, {"info": info}, admin))
    url: str = _ok(graphql(port, CREATE_FEED, {"scheduleId": SCHEDULE}, admin))["createCalendarFeed"]["url"]
    return url
