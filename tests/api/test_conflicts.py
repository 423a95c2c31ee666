"""Double-booking protection (`conflicts: REFUSE`) through the real app and FerretDB (issue 23, item 2)."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from typing import Any

import pytest

from bookings_sessions.domain.recurrence import instance_id
from tests.support.api import Api
from tests.support.graphql import wall_time, window

MONDAY = date(2030, 1, 7)
CREATE = """
mutation Create($info: CreateSessionInfo!, $options: CreateSessionOptions) {
  createSession(sessionInfo: $info, options: $options) { _id }
}
"""
UPDATE = """
mutation Update($id: ID!, $info: UpdateSessionInfo!, $options: UpdateSessionOptions) {
  updateSession(sessionId: $id, sessionInfo: $info, options: $options) { _id start { timestamp } }
}
"""
LIST = """
query List($window: TimeWindow!, $ids: [String!]) {
  sessions(filter: {scheduleIds: $ids}, window: $window, expandInstances: true, first: 500) {
    edges { node { _id } }
  }
}
"""
REFUSE = {"conflicts": "REFUSE"}


def utc(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def info(schedule_id: str, start: datetime, end: datetime, **fields: Any) -> dict[str, Any]:
    return {
        "scheduleId": schedule_id,
        "start": {"timestamp": start.isoformat()},
        "end": {"timestamp": end.isoformat()},
        **fields,
    }


async def create(api: Api, options: dict[str, Any] | None = None, **given: Any) -> dict[str, Any]:
    """The whole response of a create (data or errors)."""
    body = await api.post(CREATE, {"info": info(**given), "options": options}, api.tokens.admin)
    return body


async def created(api: Api, options: dict[str, Any] | None = None, **given: Any) -> str:
    body = await create(api, options, **given)
    assert "errors" not in body, body
    return str(body["data"]["createSession"]["_id"])


async def listed(api: Api, *schedules: str) -> list[str]:
    variables = {"window": window(utc(MONDAY, 0), utc(date(2030, 3, 1), 0)), "ids": list(schedules)}
    data = await api.data(LIST, variables)
    return [edge["node"]["_id"] for edge in data["sessions"]["edges"]]


def conflict_of(body: dict[str, Any]) -> dict[str, Any]:
    assert body.get("errors"), body
    error: dict[str, Any] = body["errors"][0]
    assert error["extensions"]["code"] == "SCHEDULE_CONFLICT", error
    return error


async def test_refuse_fails_on_an_overlap_of_its_own_schedule_and_writes_nothing(api: Api) -> None:
    first = await created(api, schedule_id="room-1", start=utc(MONDAY, 10), end=utc(MONDAY, 11))
    body = await create(api, REFUSE, schedule_id="room-1", start=utc(MONDAY, 10, 30), end=utc(MONDAY, 12))
    error = conflict_of(body)
    assert error["extensions"]["conflicts"] == [
        {
            "scheduleId": "room-1",
            "sessionId": first,
            "start": utc(MONDAY, 10).isoformat(),
            "end": utc(MONDAY, 11).isoformat(),
        }
    ]
    assert await listed(api, "room-1") == [first]
    # Touching is no overlap; another schedule is no conflict; ALLOW (the default) writes the overlap.
    await created(api, REFUSE, schedule_id="room-1", start=utc(MONDAY, 11), end=utc(MONDAY, 12))
    await created(api, REFUSE, schedule_id="room-2", start=utc(MONDAY, 10), end=utc(MONDAY, 11))
    await created(api, schedule_id="room-1", start=utc(MONDAY, 10), end=utc(MONDAY, 11))
    assert len(await listed(api, "room-1")) == 3


async def test_busy_affected_schedules_and_buffers_count_free_ones_do_not(api: Api) -> None:
    coach = await created(
        api, schedule_id="coach-bob", start=utc(MONDAY, 9), end=utc(MONDAY, 10), timeReservedAfter=30
    )
    busy = [{"scheduleId": "coach-bob", "transparency": "BUSY"}]
    free = [{"scheduleId": "coach-bob", "transparency": "FREE"}]
    body = await create(
        api,
        REFUSE,
        schedule_id="room-1",
        start=utc(MONDAY, 10, 15),
        end=utc(MONDAY, 11),
        affectedSchedules=busy,
    )
    conflict = conflict_of(body)["extensions"]["conflicts"][0]
    assert (conflict["scheduleId"], conflict["sessionId"]) == ("coach-bob", coach)
    assert conflict["end"] == utc(MONDAY, 10, 30).isoformat()  # the buffer made it busy
    await created(
        api,
        REFUSE,
        schedule_id="room-1",
        start=utc(MONDAY, 10, 15),
        end=utc(MONDAY, 11),
        affectedSchedules=free,
    )
    await created(
        api,
        REFUSE,
        schedule_id="room-2",
        start=utc(MONDAY, 10, 30),
        end=utc(MONDAY, 11),
        affectedSchedules=busy,
    )
    # And the other way round: coach-bob's own write meets the class that blocks him.
    body = await create(
        api, REFUSE, schedule_id="coach-bob", start=utc(MONDAY, 10, 45), end=utc(MONDAY, 11, 30)
    )
    assert conflict_of(body)["extensions"]["conflicts"][0]["scheduleId"] == "coach-bob"


async def test_a_series_is_refused_for_any_occurrence_and_cancelled_ones_never_block(api: Api) -> None:
    later = await created(
        api, schedule_id="room-3", start=utc(date(2030, 2, 4), 10), end=utc(date(2030, 2, 4), 11)
    )
    series = {
        "scheduleId": "room-3",
        "recurrence": "FREQ=WEEKLY;BYDAY=MO",
        "start": wall_time(MONDAY, 10, 30, zone="UTC"),
        "end": wall_time(MONDAY, 11, 30, zone="UTC"),
    }
    body = await api.post(CREATE, {"info": series, "options": REFUSE}, api.tokens.admin)
    assert [item["sessionId"] for item in conflict_of(body)["extensions"]["conflicts"]] == [later]
    await api.data("mutation($id: ID!) { deleteSession(sessionId: $id) { _id } }", {"id": later})
    series_id = (await api.data(CREATE, {"info": series, "options": REFUSE}))["createSession"]["_id"]
    # A single session on an occurrence of it is refused; once that occurrence is cancelled, accepted.
    body = await create(
        api, REFUSE, schedule_id="room-3", start=utc(date(2030, 1, 14), 11), end=utc(date(2030, 1, 14), 12)
    )
    assert conflict_of(body)["extensions"]["conflicts"][0]["sessionId"] == instance_id(
        series_id, date(2030, 1, 14)
    )
    await api.data(
        "mutation($id: ID!) { deleteSession(sessionId: $id) { _id } }",
        {"id": instance_id(series_id, date(2030, 1, 14))},
    )
    await created(
        api, REFUSE, schedule_id="room-3", start=utc(date(2030, 1, 14), 11), end=utc(date(2030, 1, 14), 12)
    )


async def test_updates_refuse_overlaps_but_never_with_themselves(api: Api) -> None:
    first = await created(api, schedule_id="room-4", start=utc(MONDAY, 9), end=utc(MONDAY, 10))
    second = await created(api, schedule_id="room-4", start=utc(MONDAY, 11), end=utc(MONDAY, 12))
    moved = {
        "start": {"timestamp": utc(MONDAY, 9, 30).isoformat()},
        "end": {"timestamp": utc(MONDAY, 11, 30).isoformat()},
    }
    body = await api.post(UPDATE, {"id": second, "info": moved, "options": REFUSE}, api.tokens.admin)
    assert conflict_of(body)["extensions"]["conflicts"][0]["sessionId"] == first
    assert (await api.session(second))["start"]["timestamp"].startswith("2030-01-07T11:00")
    later = {
        "start": {"timestamp": utc(MONDAY, 11, 30).isoformat()},
        "end": {"timestamp": utc(MONDAY, 12, 30).isoformat()},
    }
    done = await api.data(UPDATE, {"id": second, "info": later, "options": REFUSE})
    assert done["updateSession"]["start"]["timestamp"].startswith("2030-01-07T11:30")
    # An instance moved onto another session is refused too.
    series = await api.data(
        CREATE,
        {
            "info": {
                "scheduleId": "room-4",
                "recurrence": "FREQ=DAILY",
                "start": wall_time(date(2030, 1, 8), 9, zone="UTC"),
                "end": wall_time(date(2030, 1, 8), 10, zone="UTC"),
            }
        },
    )
    instance = instance_id(series["createSession"]["_id"], date(2030, 1, 8))
    onto = {"start": wall_time(MONDAY, 9, 30, zone="UTC"), "end": wall_time(MONDAY, 10, 30, zone="UTC")}
    body = await api.post(UPDATE, {"id": instance, "info": onto, "options": REFUSE}, api.tokens.admin)
    assert conflict_of(body)["extensions"]["conflicts"][0]["sessionId"] == first


async def test_an_edit_that_leaves_busy_time_alone_is_not_checked(api: Api) -> None:
    first = await created(api, schedule_id="room-7", start=utc(MONDAY, 10), end=utc(MONDAY, 11))
    second = await created(api, schedule_id="room-7", start=utc(MONDAY, 10), end=utc(MONDAY, 11))  # ALLOW
    await api.data(UPDATE, {"id": second, "info": {"notes": "still double-booked"}, "options": REFUSE})
    later = {"end": {"timestamp": utc(MONDAY, 11, 30).isoformat()}}
    body = await api.post(UPDATE, {"id": second, "info": later, "options": REFUSE}, api.tokens.admin)
    assert conflict_of(body)["extensions"]["conflicts"][0]["sessionId"] == first


async def test_of_twenty_concurrent_conflicting_creates_exactly_one_wins_twice_in_a_row(api: Api) -> None:
    for hour in (10, 14):
        bodies = await asyncio.gather(
            *(
                create(api, REFUSE, schedule_id="room-5", start=utc(MONDAY, hour), end=utc(MONDAY, hour + 1))
                for _ in range(20)
            )
        )
        won = [body for body in bodies if "errors" not in body]
        assert len(won) == 1, bodies
        for body in bodies:
            if body not in won:
                conflict_of(body)
    assert len(await listed(api, "room-5")) == 2


class TestTheDeploymentDefault:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"conflict_policy": "REFUSE"}

    async def test_refuse_by_default_and_allow_when_asked(self, api: Api) -> None:
        await created(api, schedule_id="room-6", start=utc(MONDAY, 10), end=utc(MONDAY, 11))
        conflict_of(await create(api, schedule_id="room-6", start=utc(MONDAY, 10), end=utc(MONDAY, 11)))
        await created(
            api, {"conflicts": "ALLOW"}, schedule_id="room-6", start=utc(MONDAY, 10), end=utc(MONDAY, 11)
        )


async def test_a_split_is_refused_for_any_occurrence_it_moves_onto_busy_time(api: Api) -> None:
    """A `THIS_AND_FOLLOWING` edit makes a new series: with REFUSE its occurrences are checked like a
    create's, but never against the occurrences it takes over from the original."""
    series = {
        "scheduleId": "room-8",
        "recurrence": "FREQ=WEEKLY;BYDAY=MO",
        "start": wall_time(MONDAY, 10, zone="UTC"),
        "end": wall_time(MONDAY, 11, zone="UTC"),
    }
    series_id = (await api.data(CREATE, {"info": series}))["createSession"]["_id"]
    fourth = date(2030, 1, 28)
    single = await created(api, schedule_id="room-8", start=utc(fourth, 11, 30), end=utc(fourth, 12, 30))
    third = instance_id(series_id, date(2030, 1, 21))
    following = {"scope": "THIS_AND_FOLLOWING", **REFUSE}
    later = {
        "start": wall_time(date(2030, 1, 21), 11, zone="UTC"),
        "end": wall_time(date(2030, 1, 21), 12, zone="UTC"),
    }
    body = await api.post(UPDATE, {"id": third, "info": later, "options": following}, api.tokens.admin)
    assert [item["sessionId"] for item in conflict_of(body)["extensions"]["conflicts"]] == [single]
    assert (await api.session(third))["start"]["timestamp"].startswith("2030-01-21T10:00")  # nothing split
    assert third in await listed(api, "room-8")
    # Overlapping only the occurrences it replaces is no conflict.
    shifted = {
        "start": wall_time(date(2030, 1, 21), 10, 30, zone="UTC"),
        "end": wall_time(date(2030, 1, 21), 11, 15, zone="UTC"),
    }
    done = await api.data(UPDATE, {"id": third, "info": shifted, "options": following})
    assert done["updateSession"]["start"]["timestamp"].startswith("2030-01-21T10:30")
