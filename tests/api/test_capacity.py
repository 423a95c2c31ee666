"""The capacity rule through the API: refused with BAD_USER_INPUT naming the field given, nothing written."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from bookings_sessions.domain.recurrence import instance_id
from tests.support.api import Api
from tests.support.graphql import (
    CALENDAR_FIELDS,
    INSTANCE_DAY,
    SESSION_FIELDS,
    create_mutation,
    delete_mutation,
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


# --- a series and its occurrences' own bookings (issue 21, 3) ---------------------------------------

SCOPED_UPDATE = update_mutation("_id capacity remainingCapacity")
DELETE = delete_mutation("_id status")


async def booked_series(api: Api, capacity: int, *sizes: int) -> tuple[str, str]:
    """A series of `capacity` whose INSTANCE_DAY occurrence has its own participants of `sizes`."""
    series = await api.create_series(capacity=capacity)
    occurrence = instance_id(series["_id"], INSTANCE_DAY)
    await api.update(occurrence, {"participants": party(*sizes)})
    return series["_id"], occurrence


def over_capacity(error: dict[str, Any]) -> list[dict[str, Any]]:
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    found: list[dict[str, Any]] = error["extensions"]["overCapacity"]
    return found


async def test_a_series_capacity_below_an_occurrences_bookings_is_refused_naming_it(api: Api) -> None:
    series_id, occurrence = await booked_series(api, 10, 8)
    error = await api.error(UPDATE, {"id": series_id, "info": {"capacity": 2}})
    assert error["extensions"]["field"] == "sessionInfo.capacity"
    assert over_capacity(error) == [
        {"sessionId": occurrence, "date": INSTANCE_DAY.isoformat(), "capacity": 2, "booked": 8}
    ]
    assert occurrence in error["message"] and INSTANCE_DAY.isoformat() in error["message"]
    # Nothing written: the series keeps its capacity and revision, the occurrence its seats.
    assert (await api.session(series_id, GET))[("revision")] == 1
    assert (await api.session(occurrence, GET))["remainingCapacity"] == 2
    # The same cut through another occurrence with scope ALL, or from this one on (a split), too.
    other = instance_id(series_id, INSTANCE_DAY - timedelta(days=7))
    for via, scope in ((other, "ALL"), (occurrence, "THIS_AND_FOLLOWING")):
        refused_all = await api.error(
            SCOPED_UPDATE, {"id": via, "info": {"capacity": 2}, "options": {"scope": scope}}
        )
        assert [entry["date"] for entry in over_capacity(refused_all)] == [INSTANCE_DAY.isoformat()]
    assert (await api.session(series_id, GET))["revision"] == 1
    # A cut the bookings fit in is accepted.
    assert (await api.update(series_id, {"capacity": 8}, UPDATE))["capacity"] == 8


async def test_a_split_from_a_later_date_checks_the_occurrences_it_takes(api: Api) -> None:
    series_id, occurrence = await booked_series(api, 10, 8)
    later = instance_id(series_id, INSTANCE_DAY + timedelta(days=7))
    # Splitting after the booked occurrence leaves it with the original: the cut is fine.
    split = await api.data(
        SCOPED_UPDATE, {"id": later, "info": {"capacity": 2}, "options": {"scope": "THIS_AND_FOLLOWING"}}
    )
    assert split["updateSession"]["remainingCapacity"] == 2
    assert (await api.session(occurrence, GET))["remainingCapacity"] == 2


async def test_series_participants_above_an_occurrences_own_capacity_are_refused(api: Api) -> None:
    series = await api.create_series(capacity=10)
    occurrence = instance_id(series["_id"], INSTANCE_DAY)
    await api.update(occurrence, {"capacity": 3})
    error = await api.error(UPDATE, {"id": series["_id"], "info": {"participants": party(2, 2)}})
    assert error["extensions"]["field"] == "sessionInfo.participants"
    assert over_capacity(error) == [
        {"sessionId": occurrence, "date": INSTANCE_DAY.isoformat(), "capacity": 3, "booked": 4}
    ]


async def test_cancelling_is_never_blocked_by_capacity(api: Api) -> None:
    """Even an occurrence already over its capacity (stored before the rule covered series edits)."""
    series_id, occurrence = await booked_series(api, 10, 8)
    store = api.app.state.runtime.services.store
    await store.sessions.update_one({"_id": series_id}, {"$set": {"history.0.snapshot.capacity": 2}})
    assert (await api.session(occurrence, GET))["remainingCapacity"] == -6
    cancelled = await api.data(DELETE, {"id": occurrence})
    assert cancelled["deleteSession"]["status"] == "CANCELLED"
    # A cancelled series' occurrences hold no seats either: cancelling the whole series works.
    assert (await api.data(DELETE, {"id": series_id}))["deleteSession"]["status"] == "CANCELLED"
    single = await api.create_single(capacity=4, participants=party(2))
    await store.sessions.update_one({"_id": single["_id"]}, {"$set": {"capacity": 1}})
    assert (await api.data(DELETE, {"id": single["_id"]}))["deleteSession"]["status"] == "CANCELLED"


async def test_a_series_capacity_cut_racing_an_occurrences_booking_never_overbooks(api: Api) -> None:
    """Issue 26, 4: the cut and the booking are writes to two documents (the series, the exception);
    whichever lands second is checked against the first, so no pair leaves an occurrence over capacity."""
    for attempt in range(20):
        series = await api.create_series(capacity=10, scheduleId=f"race-{attempt}")
        occurrence = instance_id(series["_id"], INSTANCE_DAY)
        cut, booking = await asyncio.gather(
            api.post(UPDATE, {"id": series["_id"], "info": {"capacity": 2}}, api.tokens.admin),
            api.post(UPDATE, {"id": occurrence, "info": {"participants": party(8)}}, api.tokens.admin),
        )
        codes = [body["errors"][0]["extensions"]["code"] for body in (cut, booking) if body.get("errors")]
        found = await api.session(occurrence, GET)
        assert found["remainingCapacity"] >= 0, (attempt, cut, booking)
        # Whichever came second was checked against the first, and refused.
        assert codes == ["BAD_USER_INPUT"], (attempt, cut, booking)
