"""A split interrupted between its writes, on the real app over the real FerretDB.

The fault is injected into our real store (a write that raises as a killed process would stop), not a
mock: what was written before it stays written. Reads must then show the old or the new state, and a
retry (or the startup sweep) must complete the split exactly once.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from bookings_sessions.domain.recurrence import instance_id
from bookings_sessions.service.splits import sweep_splits
from bookings_sessions.storage import splits as split_writes
from tests.support.api import Api
from tests.support.graphql import UPDATE
from tests.support.scopes import MARCH_5, day_of, local, rows, tuesday_class


class Crash(Exception):
    """What a process killed mid-split leaves behind: the writes before this point, none after."""


def split_variables(series_id: str) -> dict[str, Any]:
    return {
        "id": instance_id(series_id, MARCH_5),
        "info": {"start": local(MARCH_5, 18, 30), "end": local(MARCH_5, 19, 30)},
        "options": {"scope": "THIS_AND_FOLLOWING", "participantNotification": {"notifyParticipants": True}},
    }


async def owners(api: Api) -> dict[date, tuple[str, int]]:
    listed = await rows(api)
    found = {
        day_of(row): (row["recurringSessionId"], row["start"]["localDateTime"]["minutesOfHour"])
        for row in listed
    }
    assert len(found) == len(listed)  # never an occurrence twice
    return found


async def series_docs(api: Api) -> list[dict[str, Any]]:
    sessions = api.app.state.runtime.services.store.sessions
    return await sessions.find({"kind": "series"}).to_list(length=None)  # type: ignore[no-any-return]


async def test_crash_before_the_commit_leaves_the_old_state(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    series = await tuesday_class(api)
    before = await owners(api)
    store = api.app.state.runtime.services.store

    async def crash(*args: Any, **kwargs: Any) -> bool:
        raise Crash

    with monkeypatch.context() as patched:
        patched.setattr(store, "replace_series", crash)
        error = await api.error(UPDATE, split_variables(series["_id"]))
    assert error["extensions"]["code"] == "INTERNAL"
    assert len(await series_docs(api)) == 2  # the pending new series was written ...
    assert await owners(api) == before  # ... and nobody sees it: the old state, whole

    # Retrying completes it, once: the same deterministic new series, no third one.
    result = (await api.data(UPDATE, split_variables(series["_id"])))["updateSession"]
    after = await owners(api)
    assert {owner for day, (owner, _) in after.items() if day >= MARCH_5} == {result["recurringSessionId"]}
    assert all(minute == 30 for day, (_, minute) in after.items() if day >= MARCH_5)
    assert set(after) == set(before)
    docs = await series_docs(api)
    assert len(docs) == 2 and not any("pending" in doc for doc in docs)
    outboxes = [len(doc.get("outbox", [])) for doc in docs]
    assert outboxes == [1, 1]  # one notification per affected series


async def test_crash_after_the_commit_shows_the_new_state_and_finishes_once(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    series = await tuesday_class(api)
    before = await owners(api)

    async def crash(*args: Any, **kwargs: Any) -> bool:
        raise Crash

    with monkeypatch.context() as patched:
        patched.setattr(split_writes, "finish", crash)
        error = await api.error(UPDATE, split_variables(series["_id"]))
    assert error["extensions"]["code"] == "INTERNAL"
    after = await owners(api)
    assert set(after) == set(before)  # the new state, whole, though the new series is still pending
    new_ids = {owner for day, (owner, _) in after.items() if day >= MARCH_5}
    assert len(new_ids) == 1 and series["_id"] not in new_ids
    pending = [doc for doc in await series_docs(api) if "pending" in doc]
    assert len(pending) == 1 and "outbox" not in pending[0]  # its notification not released yet

    # The startup sweep finishes it; a client's retry then answers the new instance without redoing it.
    finished, rolled_back = await sweep_splits(api.app.state.runtime.services)
    assert finished == [pending[0]["_id"]] and rolled_back == []
    retried = (await api.data(UPDATE, split_variables(series["_id"])))["updateSession"]
    assert retried["_id"] == instance_id(pending[0]["_id"], MARCH_5)
    docs = await series_docs(api)
    assert len(docs) == 2 and not any("pending" in doc for doc in docs)
    assert [len(doc.get("outbox", [])) for doc in docs] == [1, 1]
    assert await owners(api) == after


async def test_sweep_rolls_back_a_stale_uncommitted_split(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    series = await tuesday_class(api)
    await api.data(
        UPDATE, {"id": instance_id(series["_id"], date(2030, 3, 19)), "info": {"tags": ["SPECIAL"]}}
    )
    before = await owners(api)
    store = api.app.state.runtime.services.store

    async def crash(*args: Any, **kwargs: Any) -> bool:
        raise Crash

    with monkeypatch.context() as patched:
        patched.setattr(store, "replace_series", crash)
        await api.error(UPDATE, split_variables(series["_id"]))
    services = api.app.state.runtime.services
    assert await sweep_splits(services) == ([], [])  # young: may still be in flight elsewhere
    later = datetime.now(UTC) + timedelta(hours=1)
    pending_id = next(doc["_id"] for doc in await series_docs(api) if "pending" in doc)
    assert await split_writes.sweep(store, older_than=later) == ([], [pending_id])
    assert len(await series_docs(api)) == 1
    assert await store.sessions.count_documents({"recurringSessionId": pending_id}) == 0
    assert await owners(api) == before
