"""Every error leaves with an `extensions.code`, nothing is written on an error, and nothing leaks."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bookings_sessions.domain.recurrence import instance_id
from bookings_sessions.storage.ferretdb import EmbeddedFerretDB
from tests.support.api import Api, SettingsFor, serving
from tests.support.graphql import (
    CREATE,
    DELETE,
    GET,
    INSTANCE_DAY,
    UPDATE,
    create_mutation,
    single_session_info,
    wall_time,
)
from tests.support.tokens import Tokens

LEAKS = ("Traceback", 'File "', "KeyError", "pymongo", "motor", "127.0.0.1", "ServerSelectionTimeout")


def assert_no_leak(body: dict[str, Any]) -> None:
    text = str(body)
    for leak in LEAKS:
        assert leak not in text, body
    for error in body.get("errors", []):
        assert set(error.get("extensions", {})) <= {"code", "field", "reference"}, error


FEBRUARY_1 = date(2026, 2, 1)


def impossible_date(month: int, day: int, hour: int = 10) -> dict[str, object]:
    """A wall time on a date the calendar does not have (which `wall_time`, built on `date`, cannot be)."""
    local = {"year": 2026, "monthOfYear": month, "dayOfMonth": day, "hourOfDay": hour, "minutesOfHour": 0}
    return {"localDateTime": local}


# --- BAD_USER_INPUT -------------------------------------------------------------------------------

BAD_CREATES = [
    ({"end": {"timestamp": "2020-12-30T15:00:00Z"}}, "sessionInfo.end"),
    ({"end": {"timestamp": "2020-12-30T14:00:00Z"}}, "sessionInfo.end"),
    ({"start": impossible_date(2, 30), "end": impossible_date(2, 30, hour=11)}, "sessionInfo.start"),
    ({"start": wall_time(FEBRUARY_1, 10, minute=60)}, "sessionInfo.start"),
    ({"start": wall_time(FEBRUARY_1, 24)}, "sessionInfo.start"),
    ({"start": impossible_date(13, 1)}, "sessionInfo.start"),
    ({"start": wall_time(FEBRUARY_1, 10, zone="Mars/Olympus")}, "sessionInfo.start.timeZone"),
    ({"start": {"timeZone": "UTC"}}, "sessionInfo.start"),
    ({"scheduleId": ""}, "sessionInfo.scheduleId"),
    ({"participants": [{"name": "Ada", "partySize": 0}]}, "sessionInfo.participants.0.partySize"),
]


@pytest.mark.parametrize(("overrides", "field"), BAD_CREATES, ids=[field for _, field in BAD_CREATES])
async def test_bad_create_is_bad_user_input_naming_the_field(
    api: Api, overrides: dict[str, Any], field: str
) -> None:
    body = await api.post(CREATE, {"info": single_session_info(**overrides)}, api.tokens.admin)
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": field}
    assert field in error["message"]
    assert await api.app.state.runtime.services.store.sessions.count_documents({}) == 0


BAD_UPDATES = [
    ({"end": {"timestamp": "2020-12-30T15:00:00Z"}}, "sessionInfo.end"),
    ({"end": {"timestamp": "2020-12-30T14:00:00Z"}}, "sessionInfo.end"),
    ({"start": {"timestamp": "2020-12-30T17:00:00Z"}}, "sessionInfo.end"),
    ({"start": impossible_date(2, 30)}, "sessionInfo.start"),
    ({"end": wall_time(FEBRUARY_1, 10, zone="")}, "sessionInfo.end.timeZone"),
    ({"status": None}, "sessionInfo.status"),
    ({"type": None}, "sessionInfo.type"),
    ({"scheduleId": None}, "sessionInfo.scheduleId"),
    ({"start": None}, "sessionInfo.start"),
    ({"end": None}, "sessionInfo.end"),
    ({"notes": "ok", "end": {"timestamp": "2020-12-30T14:00:00Z"}}, "sessionInfo.end"),
]


@pytest.mark.parametrize(("info", "field"), BAD_UPDATES, ids=[str(info) for info, _ in BAD_UPDATES])
async def test_bad_update_is_bad_user_input_and_writes_nothing(
    api: Api, info: dict[str, Any], field: str
) -> None:
    session = await api.create_single()
    body = await api.post(UPDATE, {"id": session["_id"], "info": info}, api.tokens.admin)
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": field}
    assert await api.session(session["_id"]) == session


async def test_an_enum_value_that_does_not_exist_is_refused_before_anything_runs(api: Api) -> None:
    session = await api.create_single()
    body = await api.post(UPDATE, {"id": session["_id"], "info": {"status": "DELETED"}}, api.tokens.admin)
    assert body.get("data") is None
    [error] = body["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT"}
    assert "DELETED" in error["message"]
    assert await api.session(session["_id"]) == session


# --- NOT_FOUND ------------------------------------------------------------------------------------


async def test_unknown_ids_are_not_found(api: Api) -> None:
    for query, variables in (
        (GET, {"id": "no-such-session"}),
        (UPDATE, {"id": "no-such-session", "info": {"notes": "x"}}),
        (DELETE, {"id": "no-such-session"}),
    ):
        error = await api.error(query, variables)
        assert error["extensions"]["code"] == "NOT_FOUND", error
    assert await api.app.state.runtime.services.store.sessions.count_documents({}) == 0


# --- CONFLICT -------------------------------------------------------------------------------------


async def test_a_write_that_never_wins_the_revision_guard_is_a_conflict(api: Api) -> None:
    session = await api.create_single()
    collection = api.app.state.runtime.services.store.sessions
    # Reads as revision 1, but the guard {revision: 1} never matches a string: every attempt loses,
    # exactly as if another writer won each time.
    await collection.update_one({"_id": session["_id"]}, {"$set": {"revision": "1"}})
    before = await collection.find_one({"_id": session["_id"]})
    # Moving only the end needs the stored start, so this takes the read-plan-write path.
    later_end = {"end": {"timestamp": "2031-01-01T00:00:00Z"}}
    error = await api.error(UPDATE, {"id": session["_id"], "info": later_end})
    assert error["extensions"]["code"] == "CONFLICT"
    assert await collection.find_one({"_id": session["_id"]}) == before


# --- INTERNAL -------------------------------------------------------------------------------------


async def test_unexpected_errors_are_masked_and_logged_with_a_reference(
    api: Api, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A bug in our own code (a stored document it cannot decode is skipped instead:
    # test_undecodable_documents.py).
    async def buggy_load(session_id: str) -> None:
        raise KeyError("start")

    monkeypatch.setattr(api.app.state.runtime.services.store, "load", buggy_load)
    with caplog.at_level(logging.ERROR, logger="bookings_sessions"):
        body = await api.post(GET, {"id": "corrupt"}, api.tokens.admin)
    assert body["data"] == {"session": None}
    [error] = body["errors"]
    assert error["extensions"]["code"] == "INTERNAL"
    reference = error["extensions"]["reference"]
    assert error["message"] == f"Internal error (reference {reference})."
    assert_no_leak(body)
    logged = [record for record in caplog.records if reference in record.getMessage()]
    assert logged and logged[0].exc_info is not None
    assert isinstance(logged[0].exc_info[1], KeyError)


# --- GraphQL documents ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "variables", "codes"),
    [
        ("{ nope }", {}, {"GRAPHQL_VALIDATION_FAILED"}),
        ('{ session(id: "x" { _id } }', {}, {"GRAPHQL_PARSE_FAILED"}),
        ("query($x: Int!) { session(id: $x) { _id } }", {"x": 1}, {"GRAPHQL_VALIDATION_FAILED"}),
        ("query($id: ID!) { session(id: $id) { _id } }", {}, {"BAD_USER_INPUT", "GRAPHQL_VALIDATION_FAILED"}),
        (
            "query($id: ID!) { session(id: $id) { _id } }",
            {"id": [1]},
            {"BAD_USER_INPUT", "GRAPHQL_VALIDATION_FAILED"},
        ),
        ('{ session(id: "x") }', {}, {"GRAPHQL_VALIDATION_FAILED"}),
    ],
    ids=[
        "unknown-field",
        "syntax",
        "wrong-variable-type",
        "missing-variable",
        "bad-variable-value",
        "no-selection",
    ],
)
async def test_bad_documents_carry_a_code(
    api: Api, query: str, variables: dict[str, Any], codes: set[str]
) -> None:
    body = await api.post(query, variables, api.tokens.admin)
    assert body.get("data") is None
    assert body["errors"]
    for error in body["errors"]:
        assert error["extensions"]["code"] in codes, error
    assert_no_leak(body)


async def test_too_many_aliases_are_refused(api: Api) -> None:
    query = "{ " + " ".join(f"a{i}: __typename" for i in range(31)) + " }"
    body = await api.post(query, None, None)
    assert body.get("data") is None
    assert body["errors"][0]["extensions"]["code"] in {"BAD_USER_INPUT", "GRAPHQL_VALIDATION_FAILED"}
    fine = "{ " + " ".join(f"a{i}: __typename" for i in range(30)) + " }"
    assert "errors" not in await api.post(fine, None, None)


async def test_too_many_tokens_are_refused_before_parsing_completes(api: Api) -> None:
    query = "{ " + " ".join("__typename" for _ in range(2100)) + " }"
    body = await api.post(query, None, None)
    assert body.get("data") is None
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    assert "tokens" in body["errors"][0]["message"]


async def test_deeply_nested_introspection_is_refused(api: Api) -> None:
    inner = "name"
    for _ in range(12):
        inner = f"fields {{ type {{ ofType {{ {inner} }} }} }}"
    body = await api.post("{ __schema { types { " + inner + " } } }", None, None)
    assert body.get("data") is None
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


class TestQueryDepthLimit:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"max_query_depth": 2}

    async def test_a_query_deeper_than_the_limit_is_refused(self, api: Api) -> None:
        session = await api.create_single(create_mutation("_id"))
        deep = "query($id: ID!) { session(id: $id) { start { localDateTime { year } } } }"
        body = await api.post(deep, {"id": session["_id"]}, api.tokens.admin)
        assert body.get("data") is None
        assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
        assert "depth" in body["errors"][0]["message"]
        shallow = "query($id: ID!) { session(id: $id) { start { timestamp } } }"
        assert "errors" not in await api.post(shallow, {"id": session["_id"]}, api.tokens.admin)


async def test_mutations_are_never_run_over_get(api: Api) -> None:
    session = await api.create_single()
    mutation = f'mutation {{ deleteSession(sessionId: "{session["_id"]}") {{ status }} }}'
    response = await api.client.get(
        "/graphql", params={"query": mutation}, headers={"Authorization": f"Bearer {api.tokens.admin}"}
    )
    assert response.status_code == 405
    assert "POST" in response.headers.get("allow", "")
    assert (await api.session(session["_id"]))["status"] == "CONFIRMED"


async def test_queries_work_over_get(api: Api) -> None:
    session = await api.create_single()
    response = await api.client.get(
        "/graphql", params={"query": f'{{ session(id: "{session["_id"]}") {{ _id status }} }}'}
    )
    assert response.status_code == 200
    assert response.json() == {"data": {"session": {"_id": session["_id"], "status": "CONFIRMED"}}}


# --- UNAVAILABLE ----------------------------------------------------------------------------------


async def test_database_down_is_unavailable_with_a_short_message(
    tmp_path: Path, settings_for: SettingsFor, tokens: Tokens
) -> None:
    # A dedicated FerretDB: stopping the shared one would break every other test.
    database = EmbeddedFerretDB(tmp_path / "db")
    database.start()
    try:
        settings = settings_for(
            mongodb_uri=database.uri, mongodb_database="unavailable", data_dir=tmp_path / "app"
        )
        async with serving(settings, tokens) as api:
            session = await api.create_single()
            database.stop()

            for query, variables in (
                (GET, {"id": session["_id"]}),
                (UPDATE, {"id": session["_id"], "info": {"notes": "x"}}),
                (DELETE, {"id": session["_id"]}),
                (CREATE, {"info": single_session_info()}),
            ):
                body = await api.post(query, variables, api.tokens.admin)
                [error] = body["errors"]
                assert error["extensions"] == {"code": "UNAVAILABLE"}, body
                assert len(error["message"]) < 80
                assert_no_leak(body)

            assert (await api.client.get("/readyz")).status_code == 503
            assert (await api.client.get("/healthz")).status_code == 200
    finally:
        database.stop()


async def test_an_error_names_its_field_once(api: Api) -> None:
    """Issue 21: `sessionInfo.notes: sessionInfo.notes: …` named the field twice (notes on an occurrence)."""
    series = await api.create_series()
    occurrence = instance_id(series["_id"], INSTANCE_DAY)
    for session_id in (occurrence, series["_id"]):
        error = await api.error(UPDATE, {"id": session_id, "info": {"notes": "x"}})
        assert error["extensions"]["field"] == "sessionInfo.notes"
        assert error["message"].count("sessionInfo.notes") == 1, error["message"]
