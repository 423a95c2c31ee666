"""Accepted dates (issue 13, item 2): instants from 1900-01-01T00:00Z to 2999-12-31T23:59Z whose wall
time in their zone is in that range too; everything else is BAD_USER_INPUT, never INTERNAL, and nothing
is written. Zones must be IANA business zones."""

from __future__ import annotations

import base64
from datetime import date
from typing import Any

import pytest

from tests.support.api import Api
from tests.support.graphql import CREATE, GET, sessions_query, wall_time

LIST = sessions_query("_id start { timestamp }")
WEEKLY = "FREQ=WEEKLY;BYDAY=MO"


async def stored_count(api: Api) -> int:
    store = api.app.state.runtime.services.store
    count: int = await store.sessions.count_documents({})
    return count


async def refused(api: Api, info: dict[str, Any], field: str) -> str:
    error = await api.error(CREATE, {"info": info})
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    assert error["extensions"]["field"] == field, error
    assert await stored_count(api) == 0
    message: str = error["message"]
    return message


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        # Years below 1000 used to be stored unreadably; years near 1 and 9999 overflowed with an offset.
        (wall_time(date(999, 1, 4), 9), wall_time(date(999, 1, 4), 10), "sessionInfo.start"),
        ({"timestamp": "0999-01-04T09:00:00Z"}, {"timestamp": "0999-01-04T10:00:00Z"}, "sessionInfo.start"),
        (
            wall_time(date(1, 1, 1), 0, zone="Asia/Tokyo"),
            wall_time(date(1, 1, 1), 1, zone="Asia/Tokyo"),
            "sessionInfo.start",
        ),
        (
            {"timestamp": "0001-01-01T00:00:00+05:00"},
            {"timestamp": "0001-01-01T01:00:00+05:00"},
            "sessionInfo.start",
        ),
        (
            wall_time(date(9999, 12, 31), 20, zone="America/New_York"),
            wall_time(date(9999, 12, 31), 21, zone="America/New_York"),
            "sessionInfo.start",
        ),
        (
            {"timestamp": "9999-12-31T22:00:00-05:00"},
            {"timestamp": "9999-12-31T23:00:00-05:00"},
            "sessionInfo.start",
        ),
        # Edges: the UTC instant, and the wall time in the session's zone, must both be in range.
        ({"timestamp": "1899-12-31T23:59:00Z"}, {"timestamp": "1900-01-01T01:00:00Z"}, "sessionInfo.start"),
        ({"timestamp": "2999-12-31T22:00:00Z"}, {"timestamp": "3000-01-01T00:00:00Z"}, "sessionInfo.end"),
        (
            wall_time(date(1900, 1, 1), 0, zone="Asia/Tokyo"),
            wall_time(date(1900, 1, 1), 1, zone="Asia/Tokyo"),
            "sessionInfo.start",
        ),
        (
            {"timestamp": "2999-12-31T20:00:00Z", "timeZone": "Asia/Tokyo"},
            {"timestamp": "2999-12-31T21:00:00Z", "timeZone": "Asia/Tokyo"},
            "sessionInfo.start",
        ),
    ],
)
async def test_times_outside_the_range_are_refused(
    api: Api, start: dict[str, Any], end: dict[str, Any], field: str
) -> None:
    message = await refused(api, {"scheduleId": "s", "start": start, "end": end}, field)
    assert "1900-01-01T00:00Z" in message and "2999-12-31T23:59Z" in message


async def test_the_edges_of_the_range_are_accepted_and_read_back(api: Api) -> None:
    first = await api.create_single(
        start={"timestamp": "1900-01-01T00:00:00Z"}, end={"timestamp": "1900-01-01T01:00:00Z"}
    )
    last = await api.create_single(
        start=wall_time(date(2999, 12, 31), 22), end=wall_time(date(2999, 12, 31), 23, 59)
    )

    assert (await api.data(GET, {"id": first["_id"]}))["session"]["start"] == first["start"]
    assert (await api.data(GET, {"id": last["_id"]}))["session"]["end"] == {
        "timestamp": "2999-12-31T23:59:00+00:00",
        "timeZone": "UTC",
        "localDateTime": {
            "year": 2999,
            "monthOfYear": 12,
            "dayOfMonth": 31,
            "hourOfDay": 23,
            "minutesOfHour": 59,
        },
    }


@pytest.mark.parametrize(
    "window",
    [
        {"from": "9999-06-01T00:00:00Z", "to": "9999-12-31T00:00:00Z"},
        {"from": "0001-01-01T00:00:00+05:00", "to": "0001-06-01T00:00:00Z"},
        {"from": "2999-12-01T00:00:00Z", "to": "3000-01-02T00:00:00Z"},
        {"from": "1899-12-01T00:00:00Z", "to": "1900-01-02T00:00:00Z"},
    ],
)
@pytest.mark.parametrize("expand", [False, True])
async def test_listing_windows_outside_the_range_are_refused(
    api: Api, window: dict[str, str], expand: bool
) -> None:
    await api.create_single()
    error = await api.error(LIST, {"window": window, "expand": expand}, token=None)

    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    assert error["extensions"]["field"].startswith("window"), error


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("FREQ=WEEKLY;BYDAY=MO;UNTIL=99991231T000000Z", "2999-12-31T23:59Z"),
        ("FREQ=WEEKLY;BYDAY=MO;UNTIL=08001231T000000Z", "1900-01-01T00:00Z"),
        ("FREQ=WEEKLY;BYDAY=MO;UNTIL=20300101T000000Z", "before the start"),
    ],
)
async def test_series_until_outside_the_range_or_before_the_start_is_refused(
    api: Api, rule: str, message: str
) -> None:
    info = {
        "scheduleId": "s",
        "start": wall_time(date(2030, 1, 7), 9),
        "end": wall_time(date(2030, 1, 7), 10),
        "recurrence": rule,
    }
    assert message in await refused(api, info, "sessionInfo.recurrence")


async def test_an_instance_id_outside_the_range_is_not_found(api: Api) -> None:
    info = {
        "scheduleId": "s",
        "start": wall_time(date(2030, 1, 7), 9),
        "end": wall_time(date(2030, 1, 7), 10),
    }
    series = (await api.data(CREATE, {"info": {**info, "recurrence": WEEKLY}}))["createSession"]
    far = "i_" + base64.urlsafe_b64encode(f"{series['_id']}|99991227".encode()).decode().rstrip("=")

    error = await api.error(GET, {"id": far})

    assert error["extensions"]["code"] == "NOT_FOUND", error


@pytest.mark.parametrize("zone", ["localtime", "posixrules", "right/UTC", "posix/Europe/Paris", "Factory"])
async def test_pseudo_zones_are_refused(api: Api, zone: str) -> None:
    info = {
        "scheduleId": "s",
        "start": wall_time(date(2030, 1, 7), 9, zone=zone),
        "end": wall_time(date(2030, 1, 7), 10),
    }

    message = await refused(api, info, "sessionInfo.start.timeZone")

    assert zone in message


async def test_real_zones_are_accepted(api: Api) -> None:
    created = await api.create_single(
        start=wall_time(date(2030, 1, 7), 9, zone="Europe/Paris"),
        end=wall_time(date(2030, 1, 7), 10, zone="Etc/UTC"),
    )

    assert created["start"]["timeZone"] == "Europe/Paris"
    assert created["end"]["timestamp"] == "2030-01-07T10:00:00+00:00"
