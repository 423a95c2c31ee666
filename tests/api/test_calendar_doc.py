"""docs/api.md's "Rendering a calendar" query, run against sessions on its two schedules."""

from __future__ import annotations

from datetime import date

from tests.support.api import Api
from tests.support.docs import API_DOC, FENCED
from tests.support.graphql import CREATE, wall_time


def week_view_query() -> str:
    section = API_DOC.read_text().split("### Rendering a calendar\n", 1)[1].split("\n### ", 1)[0]
    (query,) = [body for kind, body in FENCED.findall(section) if kind == "graphql"]
    return query


async def test_the_week_view_shows_both_schedules_rows(api: Api) -> None:
    for schedule, title, day, recurrence in [
        ("4b21a5af-3b69-42ce-a3ba-9cf60d7b4422", "Sunday night", 6, None),  # 23:00-01:00 into Monday
        ("room-2", "Yoga", 8, "FREQ=WEEKLY;BYDAY=TU"),
        ("elsewhere", "Not shown", 9, None),
    ]:
        info = {
            "scheduleId": schedule,
            "title": title,
            "capacity": 10,
            "start": wall_time(date(2030, 1, day), 23, zone="UTC"),
            "end": wall_time(date(2030, 1, day + 1), 1, zone="UTC"),
            **({"recurrence": recurrence} if recurrence else {}),
        }
        await api.data(CREATE, {"info": info})
    rows = [edge["node"] for edge in (await api.data(week_view_query()))["sessions"]["edges"]]
    assert [(row["title"], row["recurrenceType"], row["remainingCapacity"]) for row in rows] == [
        ("Sunday night", "NONE", 10),
        ("Yoga", "INSTANCE", 10),
    ]
