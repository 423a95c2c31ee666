"""Bulk writes through the real app and FerretDB: item order, per-item codes as the single operations give
them, nothing written for a refused item, events and notifications for the others, permissions, the cap."""

from __future__ import annotations

from typing import Any

import pytest

from bookings_sessions.domain.recurrence import instance_id
from bookings_sessions.service.bulk import MAX_ITEMS
from tests.api.test_changes import follow
from tests.api.test_notifications import wait_for_notifications
from tests.support.api import Api
from tests.support.graphql import (
    CREATE,
    DELETE,
    INSTANCE_DAY,
    UPDATE,
    single_session_info,
)

RESULT = "sessionId error { code message } session { _id notes status revision }"
BULK_CREATE = f"""
mutation BulkCreate($items: [CreateSessionInfo!]!) {{ bulkCreateSessions(items: $items) {{ {RESULT} }} }}
"""
BULK_UPDATE = f"""
mutation BulkUpdate($items: [BulkUpdateItem!]!) {{ bulkUpdateSessions(items: $items) {{ {RESULT} }} }}
"""
BULK_DELETE = f"""
mutation BulkDelete($items: [BulkDeleteItem!]!) {{ bulkDeleteSessions(items: $items) {{ {RESULT} }} }}
"""
ALICE = {"id": "p-1", "name": "Alice", "email": "alice@example.com", "partySize": 1}
BACKWARDS = {"start": {"timestamp": "2020-12-30T16:00:00Z"}, "end": {"timestamp": "2020-12-30T15:00:00Z"}}


@pytest.fixture(params=[True, False], ids=["fast-paths", "plain"])
def settings_overrides(request: pytest.FixtureRequest) -> dict[str, Any]:
    return {"fast_paths": request.param}


def error_of(result: dict[str, Any]) -> tuple[str, str]:
    return result["error"]["code"], result["error"]["message"]


async def single_error(
    api: Api, query: str, variables: dict[str, Any], token: str | None = None
) -> tuple[str, str]:
    """The code and message the one-by-one mutation answers for the same item."""
    body = await api.post(query, variables, token or api.tokens.admin)
    [error] = body["errors"]
    return error["extensions"]["code"], error["message"]


async def stored_ids(api: Api) -> set[str]:
    db = api.app.state.runtime.client[api.app.state.runtime.settings.mongodb_database]
    return {doc["_id"] async for doc in db["sessions"].find({}, {"_id": 1})}


async def test_creates_answer_in_item_order_and_a_bad_item_writes_nothing(api: Api) -> None:
    items = [
        single_session_info(notes="first"),
        single_session_info(**BACKWARDS),
        single_session_info(notes="third", capacity=1, participants=[ALICE, {**ALICE, "id": "p-2"}]),
        single_session_info(notes="fourth"),
    ]

    results = (await api.data(BULK_CREATE, {"items": items}))["bulkCreateSessions"]

    assert [r["session"] and r["session"]["notes"] for r in results] == ["first", None, None, "fourth"]
    assert [r["sessionId"] for r in results] == [
        results[0]["session"]["_id"],
        None,
        None,
        results[3]["session"]["_id"],
    ]
    assert error_of(results[1]) == await single_error(api, CREATE, {"info": items[1]})
    assert error_of(results[2]) == await single_error(api, CREATE, {"info": items[2]})
    assert error_of(results[1])[0] == "BAD_USER_INPUT"
    assert await stored_ids(api) == {results[0]["sessionId"], results[3]["sessionId"]}
    nodes, _ = await follow(api, 2)
    assert sorted((n["kind"], n["sessionId"]) for n in nodes) == sorted(
        ("CREATED", r["sessionId"]) for r in (results[0], results[3])
    )


async def test_updates_apply_each_on_its_own_with_the_single_operations_errors(api: Api) -> None:
    first = await api.create_single(participants=[ALICE])
    second = await api.create_single()
    items = [
        {"sessionId": first["_id"], "sessionInfo": {"notes": "a"}},
        {"sessionId": "no-such-session", "sessionInfo": {"notes": "b"}},
        {"sessionId": second["_id"], "sessionInfo": BACKWARDS},
        {"sessionId": second["_id"], "sessionInfo": {"notes": "c"}, "options": {"expectedRevision": 7}},
        {"sessionId": first["_id"], "sessionInfo": {"notes": "d"}},
    ]

    results = (await api.data(BULK_UPDATE, {"items": items}))["bulkUpdateSessions"]

    assert [r["sessionId"] for r in results] == [item["sessionId"] for item in items]
    # The same session twice: in item order, as one by one.
    assert [r["session"] and (r["session"]["notes"], r["session"]["revision"]) for r in results] == [
        ("a", 2),
        None,
        None,
        None,
        ("d", 3),
    ]
    assert [error_of(r)[0] for r in results[1:4]] == ["NOT_FOUND", "BAD_USER_INPUT", "CONFLICT"]
    for result, item in zip(results[1:4], items[1:4], strict=True):
        variables = {"id": item["sessionId"], "info": item["sessionInfo"], "options": item.get("options")}
        assert error_of(result) == await single_error(api, UPDATE, variables)
    assert await api.session(second["_id"]) == second
    nodes, _ = await follow(api, 4)
    assert sorted((n["kind"], n["sessionId"], n["revision"]) for n in nodes) == sorted(
        [
            ("CREATED", first["_id"], 1),
            ("CREATED", second["_id"], 1),
            ("UPDATED", first["_id"], 2),
            ("UPDATED", first["_id"], 3),
        ]
    )


async def test_deletes_cancel_good_items_and_notify_their_participants(api: Api) -> None:
    booked = await api.create_single(participants=[ALICE])
    series = await api.create_series()
    instance = instance_id(series["_id"], INSTANCE_DAY)
    notify = {"participantNotification": {"notifyParticipants": True, "message": "Closed"}}
    items = [
        {"sessionId": booked["_id"], "options": notify},
        {"sessionId": series["_id"], "options": {"scope": "THIS"}},
        {"sessionId": instance},
        {"sessionId": "missing"},
    ]

    results = (await api.data(BULK_DELETE, {"items": items}))["bulkDeleteSessions"]

    assert [r["session"] and r["session"]["status"] for r in results] == [
        "CANCELLED",
        None,
        "CANCELLED",
        None,
    ]
    assert [r["error"] and r["error"]["code"] for r in results] == [None, "BAD_USER_INPUT", None, "NOT_FOUND"]
    assert error_of(results[1]) == await single_error(
        api, DELETE, {"id": series["_id"], "options": {"scope": "THIS"}}
    )
    [notified] = await wait_for_notifications(api, 1, sessionId=booked["_id"])
    assert (notified["kind"], notified["message"]) == ("CANCELLED", "Closed")
    assert (await api.session(series["_id"]))["status"] == "CONFIRMED"


@pytest.mark.parametrize("query", [BULK_CREATE, BULK_UPDATE, BULK_DELETE])
async def test_anonymous_and_staff_callers_are_refused_whole(api: Api, query: str) -> None:
    session = await api.create_single()
    item: dict[str, Any] = single_session_info() if query is BULK_CREATE else {"sessionId": session["_id"]}
    if query is BULK_UPDATE:
        item["sessionInfo"] = {"notes": "changed"}
    for token, code in ((None, "UNAUTHENTICATED"), (api.tokens.staff, "FORBIDDEN")):
        body = await api.post(query, {"items": [item]}, token)
        assert body["data"] is None and [e["extensions"]["code"] for e in body["errors"]] == [code]
    assert await stored_ids(api) == {session["_id"]}
    assert await api.session(session["_id"]) == session


async def test_suppress_auth_is_honoured_per_item_for_service_callers_only(api: Api) -> None:
    session = await api.create_single()
    suppressed = {
        "sessionId": session["_id"],
        "sessionInfo": {"notes": "by service"},
        "options": {"suppressAuth": True},
    }
    plain = {"sessionId": session["_id"], "sessionInfo": {"notes": "plain"}}

    by_service = await api.data(BULK_UPDATE, {"items": [plain, suppressed]}, api.tokens.service)
    by_admin = await api.data(BULK_UPDATE, {"items": [suppressed]})

    first, second = by_service["bulkUpdateSessions"]
    assert error_of(first) == await single_error(
        api, UPDATE, {"id": session["_id"], "info": {"notes": "plain"}}, api.tokens.service
    )
    assert first["error"]["code"] == "FORBIDDEN"
    assert second["session"]["notes"] == "by service"
    [refused] = by_admin["bulkUpdateSessions"]
    assert error_of(refused) == await single_error(
        api, UPDATE, {"id": session["_id"], "info": {"notes": "x"}, "options": {"suppressAuth": True}}
    )
    assert (await api.session(session["_id"]))["notes"] == "by service"
    body = await api.post(BULK_CREATE, {"items": [single_session_info()]}, api.tokens.service)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_more_than_the_cap_is_refused_whole_and_the_cap_itself_is_one_insert(api: Api) -> None:
    too_many = [single_session_info(notes=str(index)) for index in range(MAX_ITEMS + 1)]
    error = await api.error(BULK_CREATE, {"items": too_many})
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and error["extensions"]["field"] == "items"
    assert await stored_ids(api) == set()
    empty = await api.error(BULK_DELETE, {"items": []})
    assert empty["extensions"]["code"] == "BAD_USER_INPUT"

    fast = api.app.state.runtime.settings.fast_paths
    batches = count_insert_batches(api) if fast else []
    results = (await api.data(BULK_CREATE, {"items": too_many[:MAX_ITEMS]}))["bulkCreateSessions"]

    assert [r["session"]["notes"] for r in results] == [str(index) for index in range(MAX_ITEMS)]
    assert len(await stored_ids(api)) == MAX_ITEMS
    assert batches == ([MAX_ITEMS] if fast else [])  # FAST_PATHS: the creates share one insert_many


async def test_aliases_do_not_multiply_the_cap(api: Api) -> None:
    half = [single_session_info() for _ in range(MAX_ITEMS // 2 + 1)]
    query = """
    mutation Two($a: [CreateSessionInfo!]!, $b: [CreateSessionInfo!]!) {
      a: bulkCreateSessions(items: $a) { sessionId }
      b: bulkCreateSessions(items: $b) { sessionId }
    }
    """
    body = await api.post(query, {"a": half, "b": half}, api.tokens.admin)

    # `b` is refused (a non-null root field: `data` goes null, as for any failed mutation); `a` ran.
    assert body["data"] is None
    assert [(e["path"], e["extensions"]["code"]) for e in body["errors"]] == [(["b"], "BAD_USER_INPUT")]
    assert len(await stored_ids(api)) == len(half)


def count_insert_batches(api: Api) -> list[int]:
    """The sizes of the `insert_many` calls the store's grouped inserts make from now on."""
    inserts = api.app.state.runtime.services.store.new_sessions
    real = inserts._collection
    sizes: list[int] = []

    class Counting:
        async def insert_many(self, docs: list[Any], **options: Any) -> Any:
            sizes.append(len(docs))
            return await real.insert_many(docs, **options)

    inserts._collection = Counting()
    return sizes
