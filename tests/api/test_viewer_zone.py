"""`localDateTime(timeZone:)`: wall times in the viewer's zone, across DST changes of both zones, with the
executor's short paths on and off; the stored zone stays `timeZone`."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from bookings_sessions.domain.recurrence import instance_id
from tests.support.api import Api
from tests.support.graphql import CREATE, session_query, sessions_query, wall_time

LONDON, NEW_YORK = "Europe/London", "America/New_York"
# Mondays 10:00 in London: New York moves to summer time on 10 March 2030, London on 31 March.
FIRST = date(2030, 3, 4)
TIMES = """
  timestamp timeZone
  localDateTime { monthOfYear dayOfMonth hourOfDay minutesOfHour }
  viewer: localDateTime(timeZone: $zone) { monthOfYear dayOfMonth hourOfDay minutesOfHour }
"""
NODE = f"_id start {{ {TIMES} }} end {{ {TIMES} }}"
LISTING = sessions_query(NODE).replace("$after: String\n)", "$after: String, $zone: String\n)")
GET = session_query(NODE).replace("($id: ID!)", "($id: ID!, $zone: String)")


@pytest.fixture(params=[True, False], ids=["fast-paths", "plain-executor"])
def settings_overrides(request: pytest.FixtureRequest) -> dict[str, Any]:
    return {"fast_paths": request.param}


def hours(node: dict[str, Any], part: str = "start") -> tuple[int, int, str]:
    """(own hour, viewer's hour, own zone) of a listed session's start or end."""
    time = node[part]
    return time["localDateTime"]["hourOfDay"], time["viewer"]["hourOfDay"], time["timeZone"]


async def test_instances_in_the_viewers_zone_across_both_dst_changes(api: Api) -> None:
    info = {
        "scheduleId": "s",
        "recurrence": "FREQ=WEEKLY;BYDAY=MO;COUNT=5",
        "start": wall_time(FIRST, 10, zone=LONDON),
        "end": wall_time(FIRST, 11, zone=LONDON),
    }
    series = (await api.data(CREATE, {"info": info}))["createSession"]
    window = {"from": "2030-03-01T00:00:00Z", "to": "2030-04-30T00:00:00Z"}

    listed = await api.data(LISTING, {"expand": True, "window": window, "zone": NEW_YORK})

    nodes = [edge["node"] for edge in listed["sessions"]["edges"]]
    # London 10:00 is 05:00 in New York, 06:00 while only New York keeps summer time, 05:00 again after.
    assert [hours(node) for node in nodes] == [
        (10, 5, LONDON),
        (10, 6, LONDON),
        (10, 6, LONDON),
        (10, 6, LONDON),
        (10, 5, LONDON),
    ]
    assert [hours(node, "end")[1] for node in nodes] == [6, 7, 7, 7, 6]
    instance = instance_id(series["_id"], date(2030, 3, 11))
    found = (await api.data(GET, {"id": instance, "zone": NEW_YORK}))["session"]
    assert hours(found) == (10, 6, LONDON)
    assert found["start"]["viewer"] == {
        "monthOfYear": 3,
        "dayOfMonth": 11,
        "hourOfDay": 6,
        "minutesOfHour": 0,
    }


async def test_a_viewer_zone_can_move_the_date_and_without_one_the_own_zone_answers(api: Api) -> None:
    info = {
        "scheduleId": "s",
        "start": wall_time(date(2030, 10, 27), 1, 30, zone=LONDON),
        "end": wall_time(date(2030, 10, 27), 2, 30, zone=LONDON),
    }
    created = (await api.data(CREATE, {"info": info}))["createSession"]

    tokyo = (await api.data(GET, {"id": created["_id"], "zone": "Asia/Tokyo"}))["session"]
    own = (await api.data(GET, {"id": created["_id"], "zone": None}))["session"]

    # 27 October 2030 is London's fall-back day: 01:30 is the first one (BST), 00:30 UTC.
    assert tokyo["start"]["timestamp"] == "2030-10-27T00:30:00+00:00"
    assert tokyo["start"]["viewer"] == {
        "monthOfYear": 10,
        "dayOfMonth": 27,
        "hourOfDay": 9,
        "minutesOfHour": 30,
    }
    assert own["start"]["viewer"] == own["start"]["localDateTime"]
    assert own["start"]["timeZone"] == tokyo["start"]["timeZone"] == LONDON


@pytest.mark.parametrize("zone", ["Mars/Olympus", "localtime", ""])
async def test_an_unknown_viewer_zone_is_bad_user_input(api: Api, zone: str) -> None:
    created = (await api.data(CREATE, {"info": {"scheduleId": "s", **times()}}))["createSession"]

    error = await api.error(GET, {"id": created["_id"], "zone": zone})

    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "timeZone"
    assert error["message"] == f"timeZone: unknown time zone {zone!r}"


def times() -> dict[str, Any]:
    return {"start": wall_time(FIRST, 10, zone=LONDON), "end": wall_time(FIRST, 11, zone=LONDON)}
