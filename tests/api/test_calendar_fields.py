"""Title, location, capacity, linked schedules and buffer: round trips on singles, series and instances."""

from __future__ import annotations

from typing import Any

import pytest

from bookings_sessions.domain.recurrence import instance_id
from tests.support.api import Api
from tests.support.graphql import (
    CALENDAR_FIELDS,
    FIRST_MONDAY,
    INSTANCE_DAY,
    SERIES_ZONE,
    SESSION_FIELDS,
    create_mutation,
    session_query,
    update_mutation,
    wall_time,
)

CREATE = create_mutation(SESSION_FIELDS + CALENDAR_FIELDS)
UPDATE = update_mutation(SESSION_FIELDS + CALENDAR_FIELDS)
GET = session_query(SESSION_FIELDS + CALENDAR_FIELDS)

VALUES: dict[str, Any] = {
    "title": "Morning yoga",
    "location": {"type": "BUSINESS", "name": "Studio 2", "address": "1 Main St"},
    "capacity": 12,
    "affectedSchedules": [{"scheduleId": "instructor-7", "transparency": "BUSY"}],
    "timeReservedAfter": 15,
}
OTHER: dict[str, Any] = {
    "title": "Evening yoga",
    "location": {"type": "CUSTOM", "name": "The park", "address": None},
    "capacity": 5,
    "affectedSchedules": [
        {"scheduleId": "instructor-8", "transparency": "FREE"},
        {"scheduleId": "room-2", "transparency": "BUSY"},
    ],
    "timeReservedAfter": 0,
}
CLEARED: dict[str, Any] = {
    "title": None,
    "location": None,
    "capacity": None,
    "affectedSchedules": [],
    "timeReservedAfter": None,
}
NEW_FIELDS = tuple(VALUES)


def picked(session: dict[str, Any]) -> dict[str, Any]:
    return {name: session[name] for name in NEW_FIELDS}


async def test_single_session_round_trip_update_and_clear(api: Api) -> None:
    created = await api.create_single(CREATE, **VALUES)
    sid = created["_id"]
    assert picked(await api.session(sid, GET)) == VALUES
    assert picked(await api.update(sid, OTHER, UPDATE)) == OTHER
    assert picked(await api.session(sid, GET)) == OTHER
    assert picked(await api.update(sid, {name: None for name in NEW_FIELDS}, UPDATE)) == CLEARED
    found = await api.session(sid, GET)
    assert picked(found) == CLEARED
    assert found["remainingCapacity"] is None
    assert (found["recurrenceType"], found["originalStart"], found["inheritedFields"]) == ("NONE", None, [])


async def test_series_round_trip_and_instances_inherit_override_and_clear(api: Api) -> None:
    series = await api.create_series(**VALUES)
    assert picked(await api.session(series["_id"], GET)) == VALUES
    assert (await api.session(series["_id"], GET))["recurrenceType"] == "MASTER"
    instance = instance_id(series["_id"], INSTANCE_DAY)
    inherited = await api.session(instance, GET)
    assert picked(inherited) == VALUES
    assert inherited["recurrenceType"] == "INSTANCE"
    assert {*NEW_FIELDS, "start", "end", "scheduleId", "tags"} <= set(inherited["inheritedFields"])

    overridden = await api.update(instance, OTHER, UPDATE)
    assert picked(overridden) == OTHER
    assert overridden["recurrenceType"] == "EXCEPTION"
    assert not set(NEW_FIELDS) & set(overridden["inheritedFields"])
    assert picked(await api.session(instance, GET)) == OTHER
    # The series changes; the overriding instance keeps its own values, another one follows.
    await api.update(series["_id"], {"title": "Renamed", "capacity": 30}, UPDATE)
    assert (await api.session(instance, GET))["title"] == "Evening yoga"
    follower = await api.session(instance_id(series["_id"], FIRST_MONDAY.replace(day=21)), GET)
    assert (follower["title"], follower["capacity"]) == ("Renamed", 30)

    # null on an instance clears its own value: it follows the series again.
    back = await api.update(instance, {name: None for name in NEW_FIELDS}, UPDATE)
    assert picked(back) == {**VALUES, "title": "Renamed", "capacity": 30}
    assert set(NEW_FIELDS) <= set(back["inheritedFields"])
    assert back["recurrenceType"] == "EXCEPTION"  # the exception document stays


async def test_series_fields_clear(api: Api) -> None:
    series = await api.create_series(**VALUES)
    cleared = await api.update(series["_id"], {name: None for name in NEW_FIELDS}, UPDATE)
    assert picked(cleared) == CLEARED
    assert picked(await api.session(instance_id(series["_id"], INSTANCE_DAY), GET)) == CLEARED


async def test_instance_rows_say_where_the_series_put_them(api: Api) -> None:
    series = await api.create_series()
    instance = instance_id(series["_id"], INSTANCE_DAY)
    moved = await api.update(
        instance,
        {
            "start": wall_time(INSTANCE_DAY, 12, zone=SERIES_ZONE),
            "end": wall_time(INSTANCE_DAY, 13, zone=SERIES_ZONE),
        },
        UPDATE,
    )
    assert moved["originalStart"]["localDateTime"] == {
        "year": 2030,
        "monthOfYear": 1,
        "dayOfMonth": 14,
        "hourOfDay": 10,
        "minutesOfHour": 0,
    }
    assert moved["start"]["localDateTime"]["hourOfDay"] == 12
    assert "start" not in moved["inheritedFields"] and "end" not in moved["inheritedFields"]
    plain = await api.session(instance_id(series["_id"], FIRST_MONDAY), GET)
    assert plain["originalStart"]["timestamp"] == plain["start"]["timestamp"]
    assert {"start", "end"} <= set(plain["inheritedFields"])
    cancelled = (
        await api.data(
            "mutation($id: ID!) { deleteSession(sessionId: $id) { recurrenceType status } }",
            {"id": instance_id(series["_id"], FIRST_MONDAY)},
        )
    )["deleteSession"]
    assert cancelled == {"recurrenceType": "EXCEPTION", "status": "CANCELLED"}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", ""),
        ("title", "x" * 201),
        ("capacity", -1),
        ("capacity", 1001),
        ("timeReservedAfter", 1441),
        ("affectedSchedules", [{"scheduleId": f"s-{n}"} for n in range(51)]),
        ("affectedSchedules", [{"scheduleId": ""}]),
    ],
)
async def test_limits_are_bad_user_input_and_write_nothing(api: Api, field: str, value: Any) -> None:
    error = await api.error(
        CREATE,
        {
            "info": {
                **VALUES,
                field: value,
                "scheduleId": "limits",
                "start": {"timestamp": "2030-01-01T10:00:00Z"},
                "end": {"timestamp": "2030-01-01T11:00:00Z"},
            }
        },
    )
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"].startswith(f"sessionInfo.{field}")
    listed = await api.data('{ sessions(filter: {scheduleId: "limits"}) { edges { cursor } } }')
    assert listed["sessions"]["edges"] == []


async def test_location_is_personal_data(api: Api) -> None:
    created = await api.create_single(CREATE, **VALUES)
    body = await api.post(
        "query($id: ID!) { session(id: $id) { title location { name } } }", {"id": created["_id"]}
    )
    assert body["data"]["session"] == {"title": "Morning yoga", "location": None}
    assert [(error["path"], error["extensions"]["code"]) for error in body["errors"]] == [
        (["session", "location"], "FORBIDDEN")
    ]
