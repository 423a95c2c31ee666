"""A Tuesday class for the edit-scope and split tests, and how they read it back."""

from __future__ import annotations

from datetime import date
from typing import Any

from .api import Api
from .graphql import SERIES_ZONE, UPDATE, wall_time

LIST_EXPANDED = """
query List($window: TimeWindow, $filter: SessionFilterInput) {
  sessions(filter: $filter, window: $window, expandInstances: true, first: 100) {
    edges { node { _id recurringSessionId status tags start { localDateTime { year monthOfYear dayOfMonth
      hourOfDay minutesOfHour } } } }
  }
}
"""
TUESDAY = date(2030, 1, 1)
MARCH_5 = date(2030, 3, 5)  # "from March the Tuesday class moves to 18:30"


def local(day: date, hour: int, minute: int = 0) -> dict[str, object]:
    """Wall time in the series' zone."""
    return wall_time(day, hour, minute, zone=SERIES_ZONE)


def hm(value: dict[str, Any]) -> tuple[int, int]:
    wall = value["localDateTime"]
    return wall["hourOfDay"], wall["minutesOfHour"]


async def tuesday_class(api: Api) -> dict[str, Any]:
    """Every Tuesday 18:00-19:00 in New York from 1 January 2030."""
    return await api.create_series(rule="FREQ=WEEKLY;BYDAY=TU", first=TUESDAY, hours=(18, 19))


async def scoped_update(api: Api, session_id: str, info: dict[str, Any], scope: str | None) -> dict[str, Any]:
    options = None if scope is None else {"scope": scope}
    found: dict[str, Any] = (await api.data(UPDATE, {"id": session_id, "info": info, "options": options}))[
        "updateSession"
    ]
    return found


async def rows(api: Api, start: str = "2029-12-01T00:00:00Z", end: str = "2030-06-01T00:00:00Z") -> list[Any]:
    """Every listed session and instance of the window, in order."""
    data = await api.data(LIST_EXPANDED, {"window": {"from": start, "to": end}})
    return [edge["node"] for edge in data["sessions"]["edges"]]


def day_of(row: dict[str, Any]) -> date:
    wall = row["start"]["localDateTime"]
    return date(wall["year"], wall["monthOfYear"], wall["dayOfMonth"])
