"""`createSession(idempotencyKey)` (issue 13, item 7): a retried create — after UNAVAILABLE, a time-out, a
lost answer — returns the session the first attempt created instead of creating another."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from tests.support.api import Api
from tests.support.graphql import SESSION_FIELDS, single_session_info, wall_time
from tests.support.tokens import AS_ADMIN, AsAdmin

CREATE_ONCE = f"""
mutation Create($info: CreateSessionInfo!, $key: String) {{
  createSession(sessionInfo: $info, idempotencyKey: $key) {{ {SESSION_FIELDS} }}
}}
"""


def collections(api: Api) -> tuple[Any, Any]:
    db = api.app.state.runtime.services.store.db
    return db["sessions"], db["idempotency_keys"]


async def create(
    api: Api, key: str | None, token: str | AsAdmin = AS_ADMIN, **overrides: Any
) -> dict[str, Any]:
    data = await api.data(CREATE_ONCE, {"info": single_session_info(**overrides), "key": key}, token=token)
    created: dict[str, Any] = data["createSession"]
    return created


async def test_the_same_key_returns_the_first_session(api: Api) -> None:
    sessions, _ = collections(api)
    first = await create(api, "order-42")
    again = await create(api, "order-42")

    assert again == first
    assert await sessions.count_documents({}) == 1


async def test_other_keys_or_no_key_create_again(api: Api) -> None:
    sessions, _ = collections(api)
    ids = {(await create(api, key))["_id"] for key in ("a", "b", None, None)}

    assert len(ids) == 4
    assert await sessions.count_documents({}) == 4


async def test_keys_belong_to_their_caller(api: Api) -> None:
    other_admin = api.tokens.make("BOOKINGS_ADMIN", sub="someone-else")
    mine = await create(api, "shared-key")
    theirs = await create(api, "shared-key", token=other_admin)

    assert mine["_id"] != theirs["_id"]
    assert (await create(api, "shared-key", token=other_admin))["_id"] == theirs["_id"]


async def test_the_same_key_with_another_request_is_refused(api: Api) -> None:
    sessions, _ = collections(api)
    await create(api, "order-42")

    error = await api.error(CREATE_ONCE, {"info": single_session_info(notes="changed"), "key": "order-42"})

    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "idempotencyKey"
    assert await sessions.count_documents({}) == 1


async def test_a_create_that_died_between_its_writes_is_completed_by_the_retry(api: Api) -> None:
    sessions, keys = collections(api)
    first = await create(api, "order-42")
    # As if the first attempt had stored its key and then died before storing the session.
    await sessions.delete_one({"_id": first["_id"]})

    again = await create(api, "order-42")

    assert again["_id"] == first["_id"]
    assert await sessions.count_documents({}) == 1
    assert await keys.count_documents({}) == 1


async def test_a_key_older_than_a_day_is_forgotten(api: Api) -> None:
    sessions, keys = collections(api)
    first = await create(api, "order-42")
    day_ago = datetime.now(UTC) - timedelta(hours=24, minutes=1)
    await keys.update_many({}, {"$set": {"createdAt": day_ago}})

    again = await create(api, "order-42", notes="a different request is fine now")

    assert again["_id"] != first["_id"]
    assert await sessions.count_documents({}) == 2
    assert await create(api, "order-42", notes="a different request is fine now") == again


async def test_concurrent_retries_create_one_session(api: Api) -> None:
    sessions, _ = collections(api)
    created = await asyncio.gather(*(create(api, "burst") for _ in range(6)))

    assert len({session["_id"] for session in created}) == 1
    assert await sessions.count_documents({}) == 1


async def test_a_recurring_session_is_created_once(api: Api) -> None:
    sessions, _ = collections(api)
    series: dict[str, Any] = {
        "start": wall_time(date(2030, 1, 7), 9),
        "end": wall_time(date(2030, 1, 7), 10),
        "recurrence": "FREQ=WEEKLY;BYDAY=MO",
        "notes": None,
    }
    first = await create(api, "series-1", **series)
    again = await create(api, "series-1", **series)

    assert again["_id"] == first["_id"] and first["recurrence"]
    assert await sessions.count_documents({}) == 1


@pytest.mark.parametrize("key", ["", "k" * 201])
async def test_keys_must_have_1_to_200_characters(api: Api, key: str) -> None:
    sessions, keys = collections(api)
    error = await api.error(CREATE_ONCE, {"info": single_session_info(), "key": key})

    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "idempotencyKey"
    assert await sessions.count_documents({}) == 0
    assert await keys.count_documents({}) == 0


async def test_invalid_input_stores_no_key(api: Api) -> None:
    _, keys = collections(api)
    error = await api.error(
        CREATE_ONCE, {"info": single_session_info(end={"timestamp": "2000-01-01T00:00:00Z"}), "key": "k"}
    )

    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert await keys.count_documents({}) == 0
    assert (await create(api, "k"))["_id"]


async def test_expired_keys_are_deleted(api: Api) -> None:
    _, keys = collections(api)
    day_ago = datetime.now(UTC) - timedelta(hours=24, minutes=1)
    stale = [
        {"_id": f"old-{n}", "sessionId": "x", "fingerprint": "f", "createdAt": day_ago} for n in range(3)
    ]
    await keys.insert_many([*stale, {**stale[0], "_id": "recent", "createdAt": datetime.now(UTC)}])

    await create(api, "k")

    assert await keys.count_documents({"createdAt": {"$lt": day_ago + timedelta(minutes=1)}}) == 0
    assert await keys.count_documents({}) == 2  # "recent" and the new key
