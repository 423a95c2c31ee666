"""Single sessions through the real app and FerretDB: create, get, patch semantics, soft delete, time."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from tests.support.api import Api, SettingsFor, serving
from tests.support.graphql import (
    CREATE,
    DELETE,
    PARTICIPANT_FIELDS,
    SESSION_FIELDS,
    UPDATE,
    session_query,
    single_session_info,
    update_mutation,
    wall_time,
)
from tests.support.tokens import Tokens

GET_ALL = session_query(f"{SESSION_FIELDS} {PARTICIPANT_FIELDS}")
UPDATE_ALL = update_mutation(f"{SESSION_FIELDS} {PARTICIPANT_FIELDS}")
ADA = {"id": "p1", "name": "Ada", "email": "ada@example.com", "phone": "+44 20 1234", "partySize": 2}
BOB = {"id": "p2", "name": "Bob", "email": None, "phone": None, "partySize": 1}


def instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def without(session: dict[str, Any], *names: str) -> dict[str, Any]:
    return {key: value for key, value in session.items() if key not in names}


# --- create / get ---------------------------------------------------------------------------------


async def test_create_returns_the_whole_session_with_bookkeeping(api: Api) -> None:
    created = await api.create_single()
    assert created["_id"]
    assert created["scheduleId"] == "4b21a5af-3b69-42ce-a3ba-9cf60d7b4422"
    assert created["scheduleOwnerId"] == "49c7fac5-227c-44d0-a4f3-c1a5c511edf1"
    assert created["tags"] == ["INDIVIDUAL"]
    assert created["notes"] == "A first note"
    assert (created["status"], created["type"]) == ("CONFIRMED", "EVENT")
    assert created["recurrence"] is None
    assert created["recurringSessionId"] is None
    assert created["instanceOfRecurrence"] is None
    assert created["revision"] == 1
    assert created["createdDate"] == created["updatedDate"]


async def test_get_returns_what_create_returned(api: Api) -> None:
    created = await api.create_single(participants=[ADA])
    found = await api.session(created["_id"], GET_ALL)
    assert without(found, "participants", "totalNumberOfParticipants") == created
    assert found["participants"] == [ADA]
    assert found["totalNumberOfParticipants"] == 2


async def test_defaults_for_optional_fields(api: Api) -> None:
    info = single_session_info()
    for name in ("scheduleOwnerId", "tags", "notes", "type"):
        del info[name]
    created = (await api.data(CREATE, {"info": info}))["createSession"]
    assert (created["tags"], created["notes"], created["scheduleOwnerId"]) == ([], None, None)
    assert created["type"] == "EVENT"


async def test_create_stores_both_timestamp_and_wall_time(api: Api) -> None:
    created = await api.create_single()
    assert instant(created["start"]["timestamp"]) == instant("2020-12-30T15:00:00Z")
    assert created["start"]["timeZone"] == "UTC"
    assert created["start"]["localDateTime"] == {
        "year": 2020,
        "monthOfYear": 12,
        "dayOfMonth": 30,
        "hourOfDay": 15,
        "minutesOfHour": 0,
    }


async def test_create_with_wall_time_in_a_given_zone(api: Api) -> None:
    created = await api.create_single(
        start=wall_time(date(2026, 3, 8), 2, 30, "America/New_York"),
        end=wall_time(date(2026, 3, 8), 4, 0, "America/New_York"),
    )
    # 02:30 does not exist that night in New York: it moves forward by the gap, to 03:30 EDT, and the
    # session keeps its 90 minutes (tests/api/test_dst_gaps.py).
    assert instant(created["start"]["timestamp"]) == instant("2026-03-08T07:30:00Z")
    assert created["start"]["localDateTime"]["hourOfDay"] == 3
    assert created["start"]["timeZone"] == "America/New_York"
    assert instant(created["end"]["timestamp"]) == instant("2026-03-08T09:00:00Z")


# --- update ---------------------------------------------------------------------------------------


async def test_update_bumps_revision_and_updated_date_only(api: Api) -> None:
    created = await api.create_single()
    updated = await api.update(created["_id"], {"notes": "changed"}, UPDATE_ALL)
    assert updated["revision"] == 2
    assert updated["createdDate"] == created["createdDate"]
    assert instant(updated["updatedDate"]) > instant(created["updatedDate"])
    again = await api.update(created["_id"], {"tags": ["X"]}, UPDATE_ALL)
    assert again["revision"] == 3
    assert instant(again["updatedDate"]) >= instant(updated["updatedDate"])


async def test_unchanged_fields_are_untouched(api: Api) -> None:
    created = await api.create_single(participants=[ADA])
    before = await api.session(created["_id"], GET_ALL)
    updated = await api.update(created["_id"], {"scheduleOwnerId": "someone-else"}, UPDATE_ALL)
    assert without(updated, "scheduleOwnerId", "revision", "updatedDate") == without(
        before, "scheduleOwnerId", "revision", "updatedDate"
    )
    assert updated["scheduleOwnerId"] == "someone-else"
    assert await api.session(created["_id"], GET_ALL) == updated


async def test_an_update_with_the_stored_values_writes_nothing(api: Api) -> None:
    created = await api.create_single()
    same = await api.update(
        created["_id"], {"notes": "A first note", "tags": ["INDIVIDUAL"], "type": "EVENT"}, UPDATE_ALL
    )
    assert same["revision"] == 1
    assert same["updatedDate"] == created["updatedDate"]


async def test_an_empty_update_writes_nothing(api: Api) -> None:
    created = await api.create_single()
    assert (await api.update(created["_id"], {}, UPDATE_ALL))["revision"] == 1


async def test_arrays_given_replace_the_stored_arrays(api: Api) -> None:
    created = await api.create_single(tags=["A", "B", "C"], participants=[ADA, BOB])
    updated = await api.update(created["_id"], {"tags": ["C", "D"], "participants": [BOB]}, UPDATE_ALL)
    assert updated["tags"] == ["C", "D"]
    assert updated["participants"] == [BOB]
    assert updated["totalNumberOfParticipants"] == 1
    assert (await api.session(created["_id"], GET_ALL))["tags"] == ["C", "D"]


async def test_empty_array_empties_and_absent_array_keeps(api: Api) -> None:
    created = await api.create_single(tags=["A"], participants=[ADA])
    kept = await api.update(created["_id"], {"notes": "x"}, UPDATE_ALL)
    assert (kept["tags"], kept["participants"]) == (["A"], [ADA])
    emptied = await api.update(created["_id"], {"tags": [], "participants": []}, UPDATE_ALL)
    assert (emptied["tags"], emptied["participants"]) == ([], [])


async def test_null_clears_notes_and_schedule_owner(api: Api) -> None:
    created = await api.create_single()
    cleared = await api.update(created["_id"], {"notes": None, "scheduleOwnerId": None}, UPDATE_ALL)
    assert (cleared["notes"], cleared["scheduleOwnerId"]) == (None, None)
    found = await api.session(created["_id"], GET_ALL)
    assert (found["notes"], found["scheduleOwnerId"]) == (None, None)
    assert found["tags"] == ["INDIVIDUAL"]


async def test_moving_a_session_later_in_one_update(api: Api) -> None:
    created = await api.create_single()
    moved = await api.update(
        created["_id"],
        {"start": {"timestamp": "2020-12-31T15:00:00Z"}, "end": {"timestamp": "2020-12-31T16:30:00Z"}},
        UPDATE_ALL,
    )
    assert instant(moved["start"]["timestamp"]) == instant("2020-12-31T15:00:00Z")
    assert moved["end"]["localDateTime"]["minutesOfHour"] == 30


async def test_changing_only_end_is_checked_against_the_stored_start(api: Api) -> None:
    created = await api.create_single()
    longer = await api.update(created["_id"], {"end": {"timestamp": "2020-12-30T18:00:00Z"}}, UPDATE_ALL)
    assert instant(longer["end"]["timestamp"]) == instant("2020-12-30T18:00:00Z")
    assert instant(longer["start"]["timestamp"]) == instant("2020-12-30T15:00:00Z")


# --- delete ---------------------------------------------------------------------------------------


async def test_delete_is_a_soft_cancel(api: Api) -> None:
    created = await api.create_single()
    deleted = (await api.data(DELETE, {"id": created["_id"]}))["deleteSession"]
    assert deleted["status"] == "CANCELLED"
    assert deleted["revision"] == 2
    assert without(deleted, "status", "revision", "updatedDate") == without(
        created, "status", "revision", "updatedDate"
    )
    found = await api.session(created["_id"])
    assert found == deleted


async def test_deleting_twice_changes_nothing_the_second_time(api: Api) -> None:
    created = await api.create_single()
    first = (await api.data(DELETE, {"id": created["_id"]}))["deleteSession"]
    second = (await api.data(DELETE, {"id": created["_id"]}))["deleteSession"]
    assert second == first


async def test_a_cancelled_session_can_be_confirmed_again(api: Api) -> None:
    created = await api.create_single()
    await api.data(DELETE, {"id": created["_id"]})
    restored = (await api.data(UPDATE, {"id": created["_id"], "info": {"status": "CONFIRMED"}}))[
        "updateSession"
    ]
    assert (restored["status"], restored["revision"]) == ("CONFIRMED", 3)


# --- business time zone ---------------------------------------------------------------------------


class TestBusinessZoneLondon:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"business_time_zone": "Europe/London"}

    async def test_wall_time_without_zone_is_in_the_business_zone(self, api: Api) -> None:
        created = await api.create_single(
            start=wall_time(date(2026, 7, 1), 10), end=wall_time(date(2026, 7, 1), 11, 30)
        )
        assert created["start"]["timeZone"] == created["end"]["timeZone"] == "Europe/London"
        assert instant(created["start"]["timestamp"]) == instant("2026-07-01T09:00:00Z")  # BST
        assert created["start"]["localDateTime"]["hourOfDay"] == 10
        assert created["end"]["localDateTime"]["minutesOfHour"] == 30

    async def test_winter_wall_time_is_gmt(self, api: Api) -> None:
        created = await api.create_single(
            start=wall_time(date(2026, 1, 15), 10), end=wall_time(date(2026, 1, 15), 11)
        )
        assert instant(created["start"]["timestamp"]) == instant("2026-01-15T10:00:00Z")

    async def test_timestamp_without_zone_is_shown_in_the_business_zone(self, api: Api) -> None:
        created = await api.create_single()  # timestamps, no zone
        assert created["start"]["timeZone"] == "Europe/London"
        assert instant(created["start"]["timestamp"]) == instant("2020-12-30T15:00:00Z")
        assert created["start"]["localDateTime"]["hourOfDay"] == 15  # GMT in December

        summer = await api.create_single(
            start={"timestamp": "2026-07-01T09:00:00Z"}, end={"timestamp": "2026-07-01T10:00:00Z"}
        )
        assert summer["start"]["localDateTime"]["hourOfDay"] == 10

    async def test_explicit_zone_wins_and_is_kept(self, api: Api) -> None:
        created = await api.create_single(
            start=wall_time(date(2026, 7, 1), 10, zone="Asia/Kolkata"),
            end=wall_time(date(2026, 7, 1), 11, zone="Asia/Kolkata"),
        )
        assert created["start"]["timeZone"] == "Asia/Kolkata"
        assert instant(created["start"]["timestamp"]) == instant("2026-07-01T04:30:00Z")

    async def test_patching_a_wall_time_uses_the_business_zone(self, api: Api) -> None:
        created = await api.create_single(
            start=wall_time(date(2026, 7, 1), 10), end=wall_time(date(2026, 7, 1), 11)
        )
        updated = await api.update(created["_id"], {"end": wall_time(date(2026, 7, 1), 12)}, UPDATE_ALL)
        assert instant(updated["end"]["timestamp"]) == instant("2026-07-01T11:00:00Z")
        assert updated["start"] == created["start"]

    async def test_a_session_keeps_its_zone_after_the_business_zone_changes(
        self, api: Api, settings_for: SettingsFor, tokens: Tokens
    ) -> None:
        created = await api.create_single(
            start=wall_time(date(2026, 7, 1), 10), end=wall_time(date(2026, 7, 1), 11)
        )
        # A second app on the same database, now configured for New York.
        async with serving(settings_for(business_time_zone="America/New_York"), tokens) as other:
            found = await other.session(created["_id"])
        assert found["start"] == created["start"]
        assert found["start"]["timeZone"] == "Europe/London"
