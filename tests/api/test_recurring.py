"""Recurring sessions through the API: the seed's table, future-only updates, delete, concurrency."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bookings_sessions.domain.recurrence import instance_id
from tests.support.api import Api
from tests.support.graphql import (
    CREATE,
    DELETE,
    FIRST_MONDAY,
    GET,
    INSTANCE_DAY,
    SERIES_ZONE,
    UPDATE,
    session_query,
    wall_time,
    weekly_series_info,
)


def hm(value: dict[str, Any]) -> tuple[int, int]:
    wall = value["localDateTime"]
    return wall["hourOfDay"], wall["minutesOfHour"]


async def times(api: Api, session_id: str) -> tuple[tuple[int, int], tuple[int, int]]:
    found = await api.session(session_id)
    return hm(found["start"]), hm(found["end"])


async def test_instances_are_virtual_with_deterministic_ids(api: Api) -> None:
    series = await api.create_series()
    iid = instance_id(series["_id"], INSTANCE_DAY)
    instance = await api.session(iid)
    assert instance["_id"] == iid
    assert instance["recurringSessionId"] == series["_id"]
    assert instance["instanceOfRecurrence"] == series["recurrence"]
    assert instance["recurrence"] is None
    assert instance["start"]["timestamp"].startswith("2030-01-14T15:00:00")  # 10:00 EST
    assert instance["tags"] == ["GROUP"]
    # A date without an occurrence (a Tuesday) is not an instance.
    error = await api.error(GET, {"id": instance_id(series["_id"], date(2030, 1, 15))})
    assert error["extensions"]["code"] == "NOT_FOUND"


async def test_row_a_instance_start_changed_ignores_series_time_changes(api: Api) -> None:
    series = await api.create_series()
    iid = instance_id(series["_id"], INSTANCE_DAY)
    await api.update(iid, {"start": wall_time(INSTANCE_DAY, 9, 30, zone=SERIES_ZONE)})
    assert await times(api, iid) == ((9, 30), (11, 0))

    await api.update(
        series["_id"],
        {
            "start": wall_time(FIRST_MONDAY, 8, zone=SERIES_ZONE),
            "end": wall_time(FIRST_MONDAY, 9, zone=SERIES_ZONE),
        },
    )
    assert await times(api, iid) == ((9, 30), (11, 0))
    # Its neighbour follows the series.
    assert await times(api, instance_id(series["_id"], date(2030, 1, 21))) == ((8, 0), (9, 0))


async def test_row_b_only_end_changed_follows_series_start_keeps_own_duration(api: Api) -> None:
    series = await api.create_series()
    iid = instance_id(series["_id"], INSTANCE_DAY)
    await api.update(iid, {"end": wall_time(INSTANCE_DAY, 11, 30, zone=SERIES_ZONE)})
    assert await times(api, iid) == ((10, 0), (11, 30))

    await api.update(series["_id"], {"start": wall_time(FIRST_MONDAY, 9, zone=SERIES_ZONE)})
    assert await times(api, iid) == ((9, 0), (10, 30))  # moved, own 90 minutes kept
    assert await times(api, instance_id(series["_id"], date(2030, 1, 21))) == ((9, 0), (11, 0))

    await api.update(series["_id"], {"end": wall_time(FIRST_MONDAY, 12, zone=SERIES_ZONE)})
    assert await times(api, iid) == ((9, 0), (10, 30))  # series end changes do not reach it
    assert await times(api, instance_id(series["_id"], date(2030, 1, 21))) == ((9, 0), (12, 0))


async def test_row_c_start_set_back_follows_series_again(api: Api) -> None:
    series = await api.create_series()
    iid = instance_id(series["_id"], INSTANCE_DAY)
    await api.update(
        iid,
        {
            "start": wall_time(INSTANCE_DAY, 9, 30, zone=SERIES_ZONE),
            "end": wall_time(INSTANCE_DAY, 10, 45, zone=SERIES_ZONE),
        },
    )
    assert await times(api, iid) == ((9, 30), (10, 45))
    await api.update(iid, {"start": wall_time(INSTANCE_DAY, 10, zone=SERIES_ZONE)})
    assert await times(api, iid) == ((10, 0), (11, 0))

    await api.update(
        series["_id"],
        {
            "start": wall_time(FIRST_MONDAY, 7, zone=SERIES_ZONE),
            "end": wall_time(FIRST_MONDAY, 8, 15, zone=SERIES_ZONE),
        },
    )
    assert await times(api, iid) == ((7, 0), (8, 15))


async def test_other_properties_follow_the_series_unless_overridden(api: Api) -> None:
    series = await api.create_series()
    own = instance_id(series["_id"], INSTANCE_DAY)
    plain = instance_id(series["_id"], date(2030, 1, 21))
    await api.update(own, {"tags": ["PRIVATE"]})
    await api.update(series["_id"], {"tags": ["CLASS"], "type": "WORKING_HOURS"})
    mine, other = await api.session(own), await api.session(plain)
    assert mine["tags"] == ["PRIVATE"] and mine["type"] == "WORKING_HOURS"
    assert other["tags"] == ["CLASS"] and other["type"] == "WORKING_HOURS"
    await api.update(own, {"tags": None})  # null drops the instance's own value
    assert (await api.session(own))["tags"] == ["CLASS"]


async def test_series_update_changes_only_future_instances(api: Api) -> None:
    # A daily-ish series that started four weeks ago and runs on every weekday.
    today = datetime.now(ZoneInfo(SERIES_ZONE)).date()
    first = today - timedelta(weeks=4)
    series = await api.create_series(rule="FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU", first=first, hours=(1, 2))
    before = today - timedelta(days=2)
    later = today + timedelta(days=2)
    assert await times(api, instance_id(series["_id"], before)) == ((1, 0), (2, 0))

    updated = await api.update(
        series["_id"],
        {
            "start": wall_time(first, 3, zone=SERIES_ZONE),
            "end": wall_time(first, 4, zone=SERIES_ZONE),
            "tags": ["NEW"],
        },
    )
    assert hm(updated["start"]) == (3, 0)
    past = await api.session(instance_id(series["_id"], before))
    future = await api.session(instance_id(series["_id"], later))
    assert (hm(past["start"]), hm(past["end"]), past["tags"]) == ((1, 0), (2, 0), ["GROUP"])
    assert (hm(future["start"]), hm(future["end"]), future["tags"]) == ((3, 0), (4, 0), ["NEW"])


async def test_rule_change_from_now_on_and_removed_dates_disappear(api: Api) -> None:
    series = await api.create_series(rule="FREQ=WEEKLY;BYDAY=MO,WE")
    wednesday = instance_id(series["_id"], date(2030, 1, 16))
    await api.update(wednesday, {"tags": ["EDITED"]})
    updated = await api.update(series["_id"], {"recurrence": "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO"})
    assert updated["recurrence"] == "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO"
    assert (await api.error(GET, {"id": wednesday}))["extensions"]["code"] == "NOT_FOUND"
    assert (await api.session(instance_id(series["_id"], date(2030, 1, 21))))["_id"]
    odd_week = await api.error(GET, {"id": instance_id(series["_id"], date(2030, 1, 14))})
    assert odd_week["extensions"]["code"] == "NOT_FOUND"


async def test_delete_instance_and_series(api: Api) -> None:
    series = await api.create_series()
    iid = instance_id(series["_id"], INSTANCE_DAY)
    deleted = (await api.data(DELETE, {"id": iid}))["deleteSession"]
    assert deleted["status"] == "CANCELLED"
    assert (await api.session(instance_id(series["_id"], date(2030, 1, 21))))["status"] == "CONFIRMED"

    cancelled = (await api.data(DELETE, {"id": series["_id"]}))["deleteSession"]
    assert cancelled["status"] == "CANCELLED"
    assert (await api.session(instance_id(series["_id"], date(2030, 1, 21))))["status"] == "CANCELLED"


async def test_series_delete_keeps_past_instances(api: Api) -> None:
    today = datetime.now(ZoneInfo(SERIES_ZONE)).date()
    first = today - timedelta(weeks=3)
    series = await api.create_series(rule="FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU", first=first, hours=(0, 1))
    await api.data(DELETE, {"id": series["_id"]})
    assert (await api.session(instance_id(series["_id"], today - timedelta(days=3))))["status"] == "CONFIRMED"
    assert (await api.session(instance_id(series["_id"], today + timedelta(days=3))))["status"] == "CANCELLED"


async def test_series_input_rules(api: Api) -> None:
    cases = [
        (weekly_series_info(recurrence="FREQ=HOURLY;BYDAY=MO"), "sessionInfo.recurrence", "HOURLY"),
        (weekly_series_info(recurrence="FREQ=DAILY;BYHOUR=9"), "sessionInfo.recurrence", "BYHOUR"),
        (
            weekly_series_info(recurrence="FREQ=WEEKLY;BYDAY=MO;COUNT=3;UNTIL=20300301T000000Z"),
            "sessionInfo.recurrence",
            "COUNT",
        ),
        (
            weekly_series_info(recurrence="FREQ=WEEKLY;BYDAY=MO;UNTIL=20291231T000000Z"),
            "sessionInfo.recurrence",
            "UNTIL",
        ),
        (
            weekly_series_info(recurrence="FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"),
            "sessionInfo.recurrence",
            "BYMONTHDAY=30",
        ),
        (weekly_series_info(recurrence="FREQ=WEEKLY"), "sessionInfo.recurrence", "BYDAY"),
        (weekly_series_info(notes="hello"), "sessionInfo.notes", "notes"),
        (
            weekly_series_info(start={"timestamp": "2030-01-07T15:00:00Z"}),
            "sessionInfo.start",
            "localDateTime",
        ),
        (
            weekly_series_info(end=wall_time(FIRST_MONDAY + timedelta(days=1), 11, zone=SERIES_ZONE)),
            "sessionInfo.end",
            "24 hours",
        ),
    ]
    for payload, field, word in cases:
        error = await api.error(CREATE, {"info": payload})
        assert error["extensions"]["code"] == "BAD_USER_INPUT", error
        assert error["extensions"]["field"] == field, error
        assert word in error["message"], error


async def test_concurrent_series_updates_are_all_applied(api: Api) -> None:
    series = await api.create_series()
    results = await asyncio.gather(
        *(api.update(series["_id"], {"tags": [f"T{index}"]}) for index in range(20))
    )
    revisions = sorted(result["revision"] for result in results)
    assert revisions == list(range(2, 22))  # every update got its own revision: none was lost
    final = await api.session(series["_id"])
    assert final["revision"] == 21
    winner = next(result for result in results if result["revision"] == 21)
    assert final["tags"] == winner["tags"]


async def test_not_found_names_the_argument_that_was_wrong(api: Api) -> None:
    assert (await api.error(GET, {"id": "nope"}))["extensions"]["field"] == "id"
    missing = await api.error(UPDATE, {"id": "nope", "info": {"tags": []}})
    assert (missing["extensions"]["code"], missing["extensions"]["field"]) == ("NOT_FOUND", "sessionId")


async def test_instances_inherit_participants_unless_they_override_them(api: Api) -> None:
    alice = {"name": "Alice", "email": "alice@example.com", "partySize": 2}
    bob = {"name": "Bob", "phone": "+15550100"}
    series = await api.create_series(participants=[alice])
    own = instance_id(series["_id"], INSTANCE_DAY)
    plain = instance_id(series["_id"], date(2030, 1, 21))
    await api.update(own, {"participants": [bob]})
    query = session_query("participants { name } totalNumberOfParticipants")

    async def seen(session_id: str) -> tuple[list[str], int]:
        found = (await api.data(query, {"id": session_id}))["session"]
        return [p["name"] for p in found["participants"]], found["totalNumberOfParticipants"]

    assert await seen(plain) == (["Alice"], 2)
    assert await seen(own) == (["Bob"], 1)
    await api.update(series["_id"], {"participants": [alice, bob]})
    assert await seen(plain) == (["Alice", "Bob"], 3)
    assert await seen(own) == (["Bob"], 1)
