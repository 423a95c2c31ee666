"""Participants (docs/design.md §3): contact details readable by staff, admins and services only."""

from __future__ import annotations

from tests.support.api import Api
from tests.support.graphql import (
    PARTICIPANT_FIELDS,
    create_mutation,
    session_query,
    single_session_info,
    update_mutation,
)

CREATE = create_mutation(f"_id revision {PARTICIPANT_FIELDS}")
UPDATE = update_mutation(f"_id revision {PARTICIPANT_FIELDS}")
GET = session_query(f"_id scheduleId tags {PARTICIPANT_FIELDS}")

ALICE = {"id": "p-1", "name": "Alice", "email": "alice@example.com", "phone": "+1 555 0100", "partySize": 2}
BOB = {"id": "p-2", "name": "Bob", "email": "bob@example.com", "phone": None, "partySize": 3}
CAROL = {"id": "p-3", "name": "Carol", "email": None, "phone": "+1 555 0101", "partySize": 1}


async def test_anonymous_read_gets_null_and_forbidden_for_participants_only(api: Api) -> None:
    created = await api.create_single(CREATE, participants=[ALICE, BOB])

    body = await api.post(GET, {"id": created["_id"]})

    session = body["data"]["session"]
    assert session["participants"] is None
    # Everything else is still answered, including the non-sensitive head count.
    assert session["_id"] == created["_id"]
    assert session["scheduleId"] == single_session_info()["scheduleId"]
    assert session["tags"] == ["INDIVIDUAL"]
    assert session["totalNumberOfParticipants"] == 5
    assert [error["path"] for error in body["errors"]] == [["session", "participants"]]
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_staff_admin_and_service_read_participants(api: Api) -> None:
    created = await api.create_single(CREATE, participants=[ALICE, BOB])

    for token in (api.tokens.staff, api.tokens.admin, api.tokens.service):
        session = (await api.data(GET, {"id": created["_id"]}, token=token))["session"]
        assert session["participants"] == [ALICE, BOB]


async def test_update_replaces_the_whole_array_and_null_clears_it(api: Api) -> None:
    created = await api.create_single(CREATE, participants=[ALICE, BOB])

    replaced = (await api.data(UPDATE, {"id": created["_id"], "info": {"participants": [CAROL]}}))[
        "updateSession"
    ]
    assert replaced["participants"] == [CAROL]
    assert replaced["totalNumberOfParticipants"] == 1
    stored = (await api.data(GET, {"id": created["_id"]}, token=api.tokens.staff))["session"]
    assert stored["participants"] == [CAROL]

    untouched = (await api.data(UPDATE, {"id": created["_id"], "info": {"tags": ["GROUP"]}}))["updateSession"]
    assert untouched["participants"] == [CAROL]

    cleared = (await api.data(UPDATE, {"id": created["_id"], "info": {"participants": None}}))[
        "updateSession"
    ]
    assert cleared["participants"] == []
    assert cleared["totalNumberOfParticipants"] == 0


async def test_total_number_of_participants_sums_party_sizes(api: Api) -> None:
    created = await api.create_single(CREATE, participants=[ALICE, BOB, CAROL])
    assert created["totalNumberOfParticipants"] == 2 + 3 + 1

    defaulted = await api.create_single(CREATE, participants=[{"name": "Dan"}])
    assert defaulted["participants"][0]["partySize"] == 1
    assert defaulted["totalNumberOfParticipants"] == 1


async def test_party_size_below_one_is_bad_user_input_and_nothing_is_written(api: Api) -> None:
    created = await api.create_single(CREATE, participants=[ALICE])

    error = await api.error(
        UPDATE, {"id": created["_id"], "info": {"participants": [{**BOB, "partySize": 0}]}}
    )

    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "sessionInfo.participants.0.partySize"
    stored = (await api.data(GET, {"id": created["_id"]}, token=api.tokens.staff))["session"]
    assert stored["participants"] == [ALICE]


async def test_duplicate_participant_ids_are_refused_and_nothing_is_written(api: Api) -> None:
    """Issue 21: one participant id twice in a session is BAD_USER_INPUT, on create and on update."""
    twice = [ALICE, {**BOB, "id": ALICE["id"]}]
    create_error = await api.error(CREATE, {"info": single_session_info(participants=twice)})
    assert (create_error["extensions"]["code"], create_error["extensions"]["field"]) == (
        "BAD_USER_INPUT",
        "sessionInfo.participants",
    )
    assert "p-1" in create_error["message"]
    created = await api.create_single(CREATE, participants=[ALICE])
    update_error = await api.error(UPDATE, {"id": created["_id"], "info": {"participants": twice}})
    assert update_error["extensions"]["field"] == "sessionInfo.participants"
    assert (await api.session(created["_id"], GET))["participants"] == [ALICE]
    # Participants without an id are not compared.
    anonymous = [{"name": "walk-in"}, {"name": "walk-in"}]
    updated = await api.data(UPDATE, {"id": created["_id"], "info": {"participants": anonymous}})
    assert updated["updateSession"]["totalNumberOfParticipants"] == 2
