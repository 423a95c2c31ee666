"""The capacity rule through the API: refused with BAD_USER_INPUT naming the field given, nothing written."""

from __future__ import annotations

from typing import Any

from bookings_sessions.domain.recurrence import instance_id
from tests.support.api import Api
from tests.support.graphql import (
    CALENDAR_FIELDS,
    INSTANCE_DAY,
    SESSION_FIELDS,
    create_mutation,
    session_query,
    update_mutation,
)

CREATE = create_mutation("_id")
UPDATE = update_mutation(SESSION_FIELDS + CALENDAR_FIELDS)
GET = session_query(SESSION_FIELDS + CALENDAR_FIELDS)


def party(*sizes: int) -> list[dict[str, Any]]:
    return [{"name": f"guest {n}", "partySize": size} for n, size in enumerate(sizes)]


async def refused(api: Api, session_id: str, info: dict[str, Any]) -> str:
    error = await api.error(UPDATE, {"id": session_id, "info": info})
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    field: str = error["extensions"]["field"]
    return field


async def test_create_single_and_series_above_capacity_are_refused(api: Api) -> None:
    info = {
        "scheduleId": "full",
        "capacity": 3,
        "participants": party(2, 2),
        "start": {"timestamp": "2030-01-01T10:00:00Z"},
        "end": {"timestamp": "2030-01-01T11:00:00Z"},
    }
    error = await api.error(CREATE, {"info": info})
    assert (error["extensions"]["code"], error["extensions"]["field"]) == (
        "BAD_USER_INPUT",
        "sessionInfo.capacity",
    )
    series_error = await api.error(
        CREATE,
        {
            "info": {
                **info,
                "recurrence": "FREQ=WEEKLY;BYDAY=MO",
                "start": {
                    "localDateTime": {"year": 2030, "monthOfYear": 1, "dayOfMonth": 7, "hourOfDay": 10}
                },
                "end": {"localDateTime": {"year": 2030, "monthOfYear": 1, "dayOfMonth": 7, "hourOfDay": 11}},
            }
        },
    )
    assert series_error["extensions"]["field"] == "sessionInfo.capacity"
    listed = await api.data('{ sessions(filter: {scheduleId: "full"}) { edges { cursor } } }')
    assert listed["sessions"]["edges"] == []
    exact = await api.data(CREATE, {"info": {**info, "capacity": 4}})
    assert (await api.session(exact["createSession"]["_id"], GET))["remainingCapacity"] == 0


async def test_single_updates_name_the_field_given_and_write_nothing(api: Api) -> None:
    session = await api.create_single(capacity=4, participants=party(2, 1))
    sid = session["_id"]
    assert await refused(api, sid, {"capacity": 2}) == "sessionInfo.capacity"
    assert await refused(api, sid, {"participants": party(3, 2)}) == "sessionInfo.participants"
    assert await refused(api, sid, {"capacity": 1, "participants": party(2)}) == "sessionInfo.capacity"
    after = await api.session(sid, GET)
    assert (after["revision"], after["capacity"], after["remainingCapacity"]) == (1, 4, 1)
    # Without a capacity there is no limit; setting one below the bookings is refused.
    await api.data(UPDATE, {"id": sid, "info": {"capacity": None, "participants": party(9)}})
    assert await refused(api, sid, {"capacity": 8}) == "sessionInfo.capacity"
    assert (await api.session(sid, GET))["revision"] == 2


async def test_series_and_instance_updates_are_checked_against_the_result(api: Api) -> None:
    series = await api.create_series(capacity=3, participants=party(2))
    assert await refused(api, series["_id"], {"capacity": 1}) == "sessionInfo.capacity"
    assert await refused(api, series["_id"], {"participants": party(2, 2)}) == "sessionInfo.participants"
    assert (await api.session(series["_id"], GET))["revision"] == 1
    instance = instance_id(series["_id"], INSTANCE_DAY)
    # The instance inherits capacity 3 from its series: its own participants must fit in it.
    assert await refused(api, instance, {"participants": party(4)}) == "sessionInfo.participants"
    assert await refused(api, instance, {"capacity": 1}) == "sessionInfo.capacity"
    found = await api.session(instance, GET)
    assert (found["recurrenceType"], found["remainingCapacity"]) == ("INSTANCE", 1)
    allowed = await api.data(UPDATE, {"id": instance, "info": {"capacity": 10, "participants": party(4, 4)}})
    assert allowed["updateSession"]["remainingCapacity"] == 2
