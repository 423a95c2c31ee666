"""`expectedRevision`: a stale edit is CONFLICT with the current revision, and writes nothing."""

from __future__ import annotations

from typing import Any

from bookings_sessions.domain.recurrence import instance_id
from tests.support.api import Api
from tests.support.graphql import DELETE, INSTANCE_DAY, UPDATE, session_query

READ = session_query("revision tags status recurrenceType")


async def stale(api: Api, query: str, variables: dict[str, Any], current: int) -> None:
    error = await api.error(query, variables)
    assert error["extensions"]["code"] == "CONFLICT", error
    assert error["extensions"]["currentRevision"] == current


async def read(api: Api, session_id: str) -> dict[str, Any]:
    return await api.session(session_id, READ)


async def edit(api: Api, session_id: str, tags: list[str], expected: int) -> dict[str, Any]:
    variables = {"id": session_id, "info": {"tags": tags}, "options": {"expectedRevision": expected}}
    updated: dict[str, Any] = (await api.data(UPDATE, variables))["updateSession"]
    return updated


async def check_session(api: Api, session_id: str) -> None:
    """Two tabs read revision r; the first edit wins, the second is refused; a delete likewise."""
    read_revision = (await read(api, session_id))["revision"]
    first = await edit(api, session_id, ["first-tab"], read_revision)
    assert first["revision"] == read_revision + 1
    second = {
        "id": session_id,
        "info": {"tags": ["second-tab"]},
        "options": {"expectedRevision": read_revision},
    }
    await stale(api, UPDATE, second, current=read_revision + 1)
    await stale(
        api, DELETE, {"id": session_id, "options": {"expectedRevision": read_revision}}, read_revision + 1
    )
    after = await read(api, session_id)
    assert (after["revision"], after["tags"], after["status"]) == (
        read_revision + 1,
        ["first-tab"],
        "CONFIRMED",
    )
    deleted = await api.data(DELETE, {"id": session_id, "options": {"expectedRevision": read_revision + 1}})
    assert deleted["deleteSession"]["status"] == "CANCELLED"


async def test_single_session(api: Api) -> None:
    await check_session(api, (await api.create_single())["_id"])


async def test_series(api: Api) -> None:
    await check_session(api, (await api.create_series())["_id"])


async def test_virtual_and_stored_instances(api: Api) -> None:
    series = await api.create_series()
    instance = instance_id(series["_id"], INSTANCE_DAY)
    # Virtual: the instance shows its series' revision; a series edit makes that stale.
    await edit(api, series["_id"], ["series-edit"], 1)
    await stale(api, UPDATE, {"id": instance, "info": {"tags": ["x"]}, "options": {"expectedRevision": 1}}, 2)
    assert (await read(api, instance))["recurrenceType"] == "INSTANCE"  # nothing was stored
    await check_session(api, instance)  # from revision 2 (its series') to 3, its exception's own
    assert (await read(api, instance))["recurrenceType"] == "EXCEPTION"


async def test_a_first_exception_never_repeats_a_revision_the_instance_showed(api: Api) -> None:
    series = await api.create_series()
    instance = instance_id(series["_id"], INSTANCE_DAY)
    # Both tabs read revision 1 (the series'); the first edit stores the exception: it must not be 1.
    await edit(api, instance, ["first-tab"], 1)
    await stale(api, UPDATE, {"id": instance, "info": {"tags": ["b"]}, "options": {"expectedRevision": 1}}, 2)


async def test_a_current_revision_with_nothing_to_change_answers_as_read(api: Api) -> None:
    session = await api.create_single(tags=["same"])
    same = await edit(api, session["_id"], ["same"], 1)
    assert same["revision"] == 1
