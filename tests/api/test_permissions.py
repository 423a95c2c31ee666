"""Who may do what (docs/design.md §3): tokens, roles, suppressAuth, and the staff-only fields."""

from __future__ import annotations

from typing import Any

import pytest

from bookings_sessions.schema import build_schema
from tests.support.api import Api
from tests.support.graphql import CREATE, DELETE, UPDATE, session_query, single_session_info
from tests.support.tokens import Tokens

PUBLIC = session_query("_id scheduleId status tags totalNumberOfParticipants")
SENSITIVE = session_query("_id scheduleId status notes participants { name email } totalNumberOfParticipants")
PARTICIPANT = {"name": "Ada", "email": "ada@example.com", "partySize": 2}


@pytest.fixture
def token(request: pytest.FixtureRequest, tokens: Tokens) -> str | None:
    """The caller a test is parametrized over (indirectly), by name; the name is also the test id."""
    callers: dict[str, str | None] = {
        "anonymous": None,
        "no-token": None,
        "admin": tokens.admin,
        "staff": tokens.staff,
        "service": tokens.service,
        "no-roles": tokens.make(),
        "expired": expired(tokens),
        "forged": tokens.make("BOOKINGS_ADMIN", secret="not-the-server-secret-0123456789abcdef"),
        "garbage": "not.a.jwt",
    }
    return callers[request.param]


def expired(tokens: Tokens) -> str:
    return tokens.make("BOOKINGS_ADMIN", ttl=-3600)


def update_vars(session_id: str, suppress: bool | None = None) -> dict[str, Any]:
    variables: dict[str, Any] = {"id": session_id, "info": {"notes": "changed"}}
    if suppress is not None:
        variables["options"] = {"suppressAuth": suppress}
    return variables


def delete_vars(session_id: str, suppress: bool | None = None) -> dict[str, Any]:
    variables: dict[str, Any] = {"id": session_id}
    if suppress is not None:
        variables["options"] = {"suppressAuth": suppress}
    return variables


async def refused(api: Api, session_id: str, token: str | None, suppress: bool | None, code: str) -> None:
    """Update and delete are both refused with `code`, and the stored session is untouched."""
    before = await api.session(session_id)
    for query, variables in (
        (UPDATE, update_vars(session_id, suppress)),
        (DELETE, delete_vars(session_id, suppress)),
    ):
        body = await api.post(query, variables, token)
        # A bad token is refused before anything runs (no `data` at all); others by the field (`null`).
        assert body.get("data") is None, body
        assert [error["extensions"]["code"] for error in body["errors"]] == [code], body
    assert await api.session(session_id) == before


# --- writes ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("token", ["no-token", "expired", "forged", "garbage"], indirect=True)
async def test_writes_without_a_valid_token_are_unauthenticated(api: Api, token: str | None) -> None:
    session = await api.create_single(participants=[PARTICIPANT])
    await refused(api, session["_id"], token, None, "UNAUTHENTICATED")
    body = await api.post(CREATE, {"info": single_session_info()}, token)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_expired_token_message_says_expired(api: Api) -> None:
    error = await api.error(CREATE, {"info": single_session_info()}, token=expired(api.tokens))
    assert "expired" in error["message"]


async def test_non_bearer_authorization_is_unauthenticated(api: Api) -> None:
    response = await api.client.post(
        "/graphql",
        json={"query": CREATE, "variables": {"info": single_session_info()}},
        headers={"Authorization": "Basic dXNlcjpwYXNz"},
    )
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize("token", ["staff", "service", "no-roles"], indirect=True)
async def test_writes_without_the_admin_role_are_forbidden(api: Api, token: str) -> None:
    session = await api.create_single(participants=[PARTICIPANT])
    await refused(api, session["_id"], token, None, "FORBIDDEN")
    await refused(api, session["_id"], token, False, "FORBIDDEN")
    body = await api.post(CREATE, {"info": single_session_info()}, token)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_create_does_not_write_when_refused(api: Api) -> None:
    await api.post(CREATE, {"info": single_session_info()}, api.tokens.staff)
    await api.post(CREATE, {"info": single_session_info()}, None)
    store = api.app.state.runtime.services.store
    assert await store.sessions.count_documents({}) == 0


# --- suppressAuth ---------------------------------------------------------------------------------


@pytest.mark.parametrize("token", ["admin", "staff", "no-roles", "anonymous"], indirect=True)
async def test_suppress_auth_from_anyone_but_a_service_is_forbidden(api: Api, token: str | None) -> None:
    session = await api.create_single(participants=[PARTICIPANT])
    await refused(api, session["_id"], token, True, "FORBIDDEN")


async def test_service_with_suppress_auth_updates_and_deletes(api: Api) -> None:
    session = await api.create_single(participants=[PARTICIPANT])
    updated = (await api.data(UPDATE, update_vars(session["_id"], True), token=api.tokens.service))[
        "updateSession"
    ]
    assert (updated["notes"], updated["revision"]) == ("changed", 2)
    deleted = (await api.data(DELETE, delete_vars(session["_id"], True), token=api.tokens.service))[
        "deleteSession"
    ]
    assert (deleted["status"], deleted["revision"]) == ("CANCELLED", 3)


async def test_a_caller_that_is_admin_and_service_may_suppress(api: Api) -> None:
    session = await api.create_single(participants=[PARTICIPANT])
    updated = await api.data(
        UPDATE, update_vars(session["_id"], True), token=api.tokens.make("BOOKINGS_ADMIN", "SERVICE")
    )
    assert updated["updateSession"]["notes"] == "changed"


async def test_admin_writes_with_suppress_auth_false_or_absent(api: Api) -> None:
    session = await api.create_single(participants=[PARTICIPANT])
    await api.data(UPDATE, update_vars(session["_id"], False), token=api.tokens.admin)
    await api.data(UPDATE, update_vars(session["_id"]), token=api.tokens.admin)
    await api.data(DELETE, delete_vars(session["_id"], False), token=api.tokens.admin)


# --- staff-only fields ----------------------------------------------------------------------------


@pytest.mark.parametrize("token", ["admin", "staff", "service"], indirect=True)
async def test_staff_admins_and_services_read_notes_and_participants(api: Api, token: str) -> None:
    session = await api.create_single(participants=[PARTICIPANT])
    found = (await api.data(SENSITIVE, {"id": session["_id"]}, token=token))["session"]
    assert found["notes"] == "A first note"
    assert found["participants"] == [{"name": "Ada", "email": "ada@example.com"}]


@pytest.mark.parametrize("token", ["anonymous", "no-roles"], indirect=True)
async def test_visitors_get_the_session_without_notes_and_participants(api: Api, token: str | None) -> None:
    session = await api.create_single(participants=[PARTICIPANT])
    body = await api.post(SENSITIVE, {"id": session["_id"]}, token)
    assert body["data"]["session"] == {
        "_id": session["_id"],
        "scheduleId": session["scheduleId"],
        "status": "CONFIRMED",
        "notes": None,
        "participants": None,
        "totalNumberOfParticipants": 2,
    }
    errors = {tuple(error["path"]): error["extensions"]["code"] for error in body["errors"]}
    assert errors == {("session", "notes"): "FORBIDDEN", ("session", "participants"): "FORBIDDEN"}
    assert "ada@example.com" not in str(body)


async def test_visitors_reading_public_fields_get_no_errors(api: Api) -> None:
    session = await api.create_single(participants=[PARTICIPANT])
    body = await api.post(PUBLIC, {"id": session["_id"]}, None)
    assert "errors" not in body
    assert body["data"]["session"]["tags"] == ["INDIVIDUAL"]


async def test_a_bad_token_is_refused_whole_even_for_public_fields(api: Api) -> None:
    # Issue 13: refused at the HTTP edge, not answered as anonymous (or per protected field).
    session = await api.create_single(participants=[PARTICIPANT])
    for query in (SENSITIVE, PUBLIC):
        body = await api.post(query, {"id": session["_id"]}, expired(api.tokens))
        assert "data" not in body, body
        assert [error["extensions"]["code"] for error in body["errors"]] == ["UNAUTHENTICATED"]


async def test_a_service_reads_notes_back_in_the_mutation_result(api: Api) -> None:
    # The reference example's caller, a SERVICE, reads back notes in the mutation result.
    session = await api.create_single(participants=[PARTICIPANT])
    body = await api.post(UPDATE, update_vars(session["_id"], True), api.tokens.service)
    assert "errors" not in body
    assert body["data"]["updateSession"]["notes"] == "changed"


# --- the directive is visible -----------------------------------------------------------------------


def test_requires_role_is_in_the_sdl_on_mutations_and_sensitive_fields() -> None:
    sdl = build_schema().as_str()
    assert "directive @requiresRole(anyOf: [Role!]!) on FIELD_DEFINITION" in sdl
    for mutation in ("createSession(", "updateSession(", "deleteSession("):
        line = next(line for line in sdl.splitlines() if line.strip().startswith(mutation))
        assert line.endswith("@requiresRole(anyOf: [BOOKINGS_ADMIN])"), line
    session_type = sdl[sdl.index("type Session implements Node @key") :]
    session_type = session_type[: session_type.index("\n}")]
    for field in ("notes:", "participants:"):
        line = next(line for line in session_type.splitlines() if line.strip().startswith(field))
        assert "@requiresRole(anyOf: [BOOKINGS_ADMIN, BOOKINGS_STAFF, SERVICE])" in line, line
