"""The `availability` rows: free time of 10 coaches over 4 weeks, against the listing of the same sessions.

The seed is a small studio: each coach works weekdays 09:00-17:00 in London (a recurring WORKING_HOURS
session), classes in five rooms recur weekly and block two coaches each (`affectedSchedules` BUSY) with a
15-minute buffer, and each coach has a few one-off sessions of their own, buffers included. The row asks
`availability` of the 10 coaches with hour-long slots every half hour; its same-run baseline is the
store's own listing for the same schedules and window (`sessions(expandInstances: true)`), which reads
the coaches' own sessions but neither the classes that block them nor any arithmetic. The seed is
removed after the rows (`Revisions.drop_schedules`), so it never weighs on other rows' scans.
"""

from __future__ import annotations

import json
from typing import Any

from .procs import graphql
from .scenarios import CREATE

COACHES = tuple(f"bench-coach-{n}" for n in range(10))
ROOMS = tuple(f"bench-room-{n}" for n in range(5))
SCHEDULES = COACHES + ROOMS
WINDOW = {"from": "2026-04-06T00:00:00Z", "to": "2026-05-04T00:00:00Z"}  # four weeks from a Monday
ZONE = "Europe/London"
SLOT = {"minutes": 60, "stepMinutes": 30, "timeZone": ZONE}
AVAILABILITY = (
    "query Free($ids: [String!]!, $window: TimeWindow!, $slot: SlotInput) "
    "{ availability(scheduleIds: $ids, window: $window, slot: $slot) "
    "{ scheduleId busy { start end sessionIds } free { start end } slots { start end } } }"
)
LISTING = (
    "query Listed($ids: [String!], $window: TimeWindow) "
    "{ sessions(filter: {scheduleIds: $ids}, window: $window, expandInstances: true, first: 500) "
    "{ edges { node { _id type status start { timestamp } end { timestamp } timeReservedAfter } } "
    "pageInfo { hasNextPage } } }"
)
_DAYS = ("MO", "TU", "WE", "TH", "FR")


def _local(day: int, hour: int, minute: int = 0) -> dict[str, Any]:
    wall = {"year": 2026, "monthOfYear": 1, "dayOfMonth": day, "hourOfDay": hour, "minutesOfHour": minute}
    return {"localDateTime": wall, "timeZone": ZONE}


def seed_infos() -> list[dict[str, Any]]:
    """Every `CreateSessionInfo` of the seed (series from Monday 5 January 2026, singles in the window)."""
    infos: list[dict[str, Any]] = []
    for coach in COACHES:
        infos.append(
            {
                "scheduleId": coach,
                "type": "WORKING_HOURS",
                "recurrence": "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
                "start": _local(5, 9),
                "end": _local(5, 17),
            }
        )
    for index, room in enumerate(ROOMS):
        blocked = [{"scheduleId": COACHES[2 * index + n], "transparency": "BUSY"} for n in (0, 1)]
        for hour in (10, 14):
            infos.append(
                {
                    "scheduleId": room,
                    "title": f"class {index}-{hour}",
                    "recurrence": f"FREQ=WEEKLY;BYDAY={_DAYS[index]},{_DAYS[(index + 2) % 5]}",
                    "start": _local(5, hour + index % 2),
                    "end": _local(5, hour + index % 2 + 1),
                    "affectedSchedules": blocked,
                    "timeReservedAfter": 15,
                }
            )
    for number, coach in enumerate(COACHES):
        for week in range(4):
            day = 7 + 7 * week + number % 3  # a Tuesday to Thursday of each week in the window
            infos.append(
                {
                    "scheduleId": coach,
                    "start": {"timestamp": f"2026-04-{day:02d}T12:00:00Z"},
                    "end": {"timestamp": f"2026-04-{day:02d}T12:45:00Z"},
                    "timeReservedAfter": 10,
                }
            )
    return infos


def availability_body() -> str:
    variables = {"ids": list(COACHES), "window": WINDOW, "slot": SLOT}
    return json.dumps({"query": AVAILABILITY, "variables": variables})


def listing_body() -> str:
    return json.dumps({"query": LISTING, "variables": {"ids": list(COACHES), "window": WINDOW}})


def seed(port: int, admin: str) -> int:
    """Creates the seed through the API; how many sessions it made."""
    for info in seed_infos():
        body = graphql(port, CREATE, {"info": info}, admin)
        if body.get("errors"):
            raise RuntimeError(f"createSession failed while seeding availability: {body['errors'][0]}")
    return len(seed_infos())
