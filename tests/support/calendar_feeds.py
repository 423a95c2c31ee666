"""Calendar feeds as the tests use them: minting one through the API, reading it, expanding it with an
independent library (`recurring-ical-events`), and the API's own listing of the same window."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import recurring_ical_events
from icalendar import Calendar

from bookings_sessions.domain.recurrence import instance_id

from .api import Api
from .graphql import CREATE, DELETE, sessions_query, wall_time, window
from .tokens import AS_ADMIN, AsAdmin

CREATE_FEED = """
mutation Feed($scheduleId: String!, $includePrivate: Boolean) {
  createCalendarFeed(scheduleId: $scheduleId, includePrivate: $includePrivate) { id scheduleId url }
}
"""
REVOKE_FEED = "mutation Revoke($id: ID!) { revokeCalendarFeed(id: $id) }"
TIME = "timestamp localDateTime { year monthOfYear dayOfMonth }"
LISTED = sessions_query(f"title status allDay start {{ {TIME} }} end {{ {TIME} }}")

# (start, end, title) of one occurrence: instants in UTC, or local dates for an all-day one (the feed
# writes those as floating dates; the API lists them from and to local midnights in their zone).
When = datetime | date
Row = tuple[When, When, str | None]


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
        summary = None if event.get("SUMMARY") is None else str(event["SUMMARY"])
        rows.append((_utc_or_date(first), _utc_or_date(last), summary))
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
                read = _local_date if node["allDay"] else _instant
                rows.append((read(node["start"]), read(node["end"]), node["title"]))
        if not page["pageInfo"]["hasNextPage"]:
            return sorted(rows, key=_row_key)
        after = page["pageInfo"]["endCursor"]


def _instant(value: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(value["timestamp"].replace("Z", "+00:00")).astimezone(UTC)


def _local_date(value: dict[str, Any]) -> date:
    wall = value["localDateTime"]
    return date(wall["year"], wall["monthOfYear"], wall["dayOfMonth"])


def _utc_or_date(value: When) -> When:
    return value.astimezone(UTC) if isinstance(value, datetime) else value


def _row_key(row: Row) -> tuple[str, str, str]:
    # Dates and instants in one order (ISO text): the same rows sort the same on both sides.
    return (row[0].isoformat(), row[1].isoformat(), row[2] or "")


def today() -> date:
    return datetime.now(UTC).date()


SCHEDULE = "studio"
BERLIN, NEW_YORK = "Europe/Berlin", "America/New_York"


def _last_friday(year: int, month: int) -> date:
    day = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return day - timedelta(days=(day.weekday() - 4) % 7)


def monday_before(day: date, weeks: int) -> date:
    return day - timedelta(days=day.weekday() + 7 * weeks)


def next_clock_change(after: date, zone: str) -> date:
    """The first date after `after` that is not 24 hours long in `zone` (a DST Sunday)."""
    tz = ZoneInfo(zone)
    day = after + timedelta(days=1)
    while (
        datetime.combine(day + timedelta(days=1), time(), tz).astimezone(UTC)
        - datetime.combine(day, time(), tz).astimezone(UTC)
    ) == timedelta(hours=24):
        day += timedelta(days=1)
    return day


def _stamp(day: date, hour: int) -> str:
    return f"{day:%Y%m%d}T{hour:02d}0000"


async def dated_series(api: Api, start: date, later: date) -> dict[str, Any]:
    """A weekly series with EXDATE and RDATE lines before and after a change from today: each history
    entry governs (and its feed event carries) only its own dates."""
    thursday = start + timedelta(days=3)
    taken_out = (thursday + timedelta(days=7), later + timedelta(days=3))
    added = (start + timedelta(days=12), later + timedelta(days=5))  # Saturdays
    lines = [
        "RRULE:FREQ=WEEKLY;BYDAY=TH",
        f"EXDATE;TZID={BERLIN}:" + ",".join(_stamp(day, 17) for day in taken_out),
        f"RDATE;TZID={BERLIN}:" + ",".join(_stamp(day, 17) for day in added),
    ]
    pilates = await api.create_series(
        rule="\n".join(lines),
        first=thursday,
        hours=(17, 18),
        zone=BERLIN,
        scheduleId=SCHEDULE,
        title="Pilates",
    )
    await api.update(pilates["_id"], {"title": "Pilates II"})  # a new entry from today, the same dates
    return pilates


async def all_day_sessions(api: Api, now: date) -> dict[str, Any]:
    """All-day singles (one on Berlin's next DST Sunday, one of three days in New York) and an all-day
    weekly series, one of its days retitled and one cancelled."""

    def whole(first: date, days: int, zone: str, **extra: Any) -> dict[str, Any]:
        return {
            "scheduleId": SCHEDULE,
            "allDay": True,
            "start": wall_time(first, 0, zone=zone),
            "end": wall_time(first + timedelta(days=days), 0, zone=zone),
            **extra,
        }

    await api.data(CREATE, {"info": whole(next_clock_change(now, BERLIN), 1, BERLIN, title="Closed")})
    await api.data(CREATE, {"info": whole(now + timedelta(days=30), 3, NEW_YORK, title="Course")})
    saturday = now + timedelta(days=14 + (5 - now.weekday()) % 7)
    info = whole(saturday, 1, BERLIN, title="Market", recurrence="FREQ=WEEKLY;BYDAY=SA;COUNT=8")
    market = (await api.data(CREATE, {"info": info}))["createSession"]
    await api.update(instance_id(market["_id"], saturday + timedelta(days=14)), {"title": "Big market"})
    await api.data(DELETE, {"id": instance_id(market["_id"], saturday + timedelta(days=21))})
    return market


async def busy_schedule(api: Api) -> dict[str, str]:
    """Singles, two series in two zones (one with two history entries), moved, resized, retitled and
    cancelled occurrences, a cancelled single, and another schedule's session: the ids by name."""
    now = today()
    start = monday_before(now, 6)
    yoga = await api.create_series(
        rule="FREQ=WEEKLY;BYDAY=MO,WE",
        first=start,
        hours=(18, 19),
        zone=BERLIN,
        scheduleId=SCHEDULE,
        title="Yoga",
        notes=None,
    )
    run = await api.create_series(
        rule="FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;COUNT=20",
        first=start + timedelta(days=1),
        hours=(7, 8),
        zone=NEW_YORK,
        scheduleId=SCHEDULE,
        title="Run",
    )
    # A past occurrence moved (its exception's entry is the old one), then the series changes from today.
    await api.update(instance_id(yoga["_id"], start + timedelta(days=2)), {"title": "Yoga (outdoors)"})
    await api.update(
        yoga["_id"],
        {
            "title": "Evening yoga",
            "start": wall_time(start, 19, zone=BERLIN),
            "end": wall_time(start, 20, 30, zone=BERLIN),
        },
    )
    later = monday_before(now, -3)  # a Monday three weeks on: the new entry governs it
    await api.update(
        instance_id(yoga["_id"], later),
        {
            "start": wall_time(later + timedelta(days=1), 9, zone=BERLIN),
            "end": wall_time(later + timedelta(days=1), 10, zone=BERLIN),
        },
    )
    await api.update(
        instance_id(yoga["_id"], later + timedelta(days=2)),
        {"end": wall_time(later + timedelta(days=2), 21, 45, zone=BERLIN)},
    )
    await api.data(DELETE, {"id": instance_id(yoga["_id"], later + timedelta(days=7))})
    run_day = start + timedelta(days=1 + 14 * 4)
    await api.update(
        instance_id(run["_id"], run_day), {"title": "Long run", "end": wall_time(run_day, 9, zone=NEW_YORK)}
    )
    await api.data(DELETE, {"id": instance_id(run["_id"], run_day + timedelta(days=14))})
    # COUNT across history: from today the rest of the 20 runs start at 06:30 (the new entry's UNTIL).
    await api.update(
        run["_id"],
        {
            "start": wall_time(start + timedelta(days=1), 6, 30, zone=NEW_YORK),
            "end": wall_time(start + timedelta(days=1), 7, 30, zone=NEW_YORK),
        },
    )
    # A monthly rule with an ordinal day, begun long before the feed's first day.
    await api.create_series(
        rule="FREQ=MONTHLY;BYDAY=-1FR",
        first=_last_friday(now.year - 1, 1),
        hours=(20, 23),
        zone=NEW_YORK,
        scheduleId=SCHEDULE,
        title="Social",
    )
    single = await api.create_single(
        scheduleId=SCHEDULE,
        title="Workshop",
        start=wall_time(now + timedelta(days=10), 14, zone=BERLIN),
        end=wall_time(now + timedelta(days=10), 16, zone=BERLIN),
        notes="bring mats",
        participants=[{"name": "Ada", "email": "ada@example.com"}],
        location={"type": "BUSINESS", "name": "Main hall"},
    )
    await api.create_single(
        scheduleId=SCHEDULE,
        title="Open day",
        start=wall_time(now + timedelta(days=100), 10, zone=NEW_YORK),
        end=wall_time(now + timedelta(days=100), 12, zone=NEW_YORK),
    )
    gone = await api.create_single(
        scheduleId=SCHEDULE,
        title="Called off",
        start=wall_time(now + timedelta(days=20), 10, zone=BERLIN),
        end=wall_time(now + timedelta(days=20), 11, zone=BERLIN),
    )
    await api.data(DELETE, {"id": gone["_id"]})
    await api.create_single(
        scheduleId="elsewhere",
        title="Not ours",
        start=wall_time(now + timedelta(days=5), 10, zone=BERLIN),
        end=wall_time(now + timedelta(days=5), 11, zone=BERLIN),
    )
    pilates = await dated_series(api, start, later)
    market = await all_day_sessions(api, now)
    return {
        "yoga": yoga["_id"],
        "run": run["_id"],
        "workshop": single["_id"],
        "pilates": pilates["_id"],
        "market": market["_id"],
    }
