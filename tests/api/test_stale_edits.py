"""`expectedRevision`: a stale edit is CONFLICT with the current revision, and writes nothing."""

from __future__ import annotations

from typing import Any

from bookings_sessions.domain.recurrence import instance_id
from tests.support.api import Api
from tests.support.graphql import DELETE, INSTANCE_DAY, UPDATE, session_query
from tests.support.scopes import MARCH_5, TUESDAY, day_of, local, rows, tuesday_class

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


def following(session_id: str, expected: int, info: dict[str, Any] | None = None) -> dict[str, Any]:
    """Variables of a THIS_AND_FOLLOWING update (with `info`) or delete (without)."""
    options = {"scope": "THIS_AND_FOLLOWING", "expectedRevision": expected}
    return {"id": session_id, "options": options} | ({} if info is None else {"info": info})


async def series_unchanged(api: Api, series_id: str, revision: int) -> None:
    """Nothing written: the series still at `revision`, unended, and owning every listed occurrence."""
    series = await read(api, series_id)
    assert series["revision"] == revision
    assert "UNTIL" not in (await api.session(series_id))["recurrence"]
    listed = await rows(api)
    assert {row["recurringSessionId"] for row in listed} == {series_id}  # no new series
    assert max(day_of(row) for row in listed) > MARCH_5


async def test_split_update_checks_the_named_instance(api: Api) -> None:
    series = await tuesday_class(api)
    march = instance_id(series["_id"], MARCH_5)
    later_time = {"start": local(MARCH_5, 18, 30), "end": local(MARCH_5, 19, 30)}
    assert (await read(api, march))["revision"] == 1  # virtual: its series' revision
    await edit(api, series["_id"], ["series-edit"], 1)
    await stale(api, UPDATE, following(march, 1, later_time), current=2)
    await series_unchanged(api, series["_id"], 2)

    # Its own exception gives the instance a revision of its own (3); the series' (2) is stale for it.
    await edit(api, march, ["own"], 2)
    await stale(api, UPDATE, following(march, 2, later_time), current=3)
    await series_unchanged(api, series["_id"], 2)

    split = (await api.data(UPDATE, following(march, 3, later_time)))["updateSession"]
    assert split["recurringSessionId"] != series["_id"] and split["tags"] == ["own"]
    assert "UNTIL=" in (await api.session(series["_id"]))["recurrence"]


async def test_split_delete_checks_the_named_instance(api: Api) -> None:
    series = await tuesday_class(api)
    march = instance_id(series["_id"], MARCH_5)
    await edit(api, march, ["own"], 1)  # an exception: the instance at 2, its series at 1
    await stale(api, DELETE, following(march, 1), current=2)
    await series_unchanged(api, series["_id"], 1)
    # Any series write may change what the exception shows, so it moves the exception's revision
    # too: 2 is stale now (docs/design.md §1, bookkeeping).
    await edit(api, series["_id"], ["series-edit"], 1)
    await stale(api, DELETE, following(march, 2), current=3)
    await series_unchanged(api, series["_id"], 2)

    ended = (await api.data(DELETE, following(march, 3)))["deleteSession"]
    assert ended["_id"] == series["_id"] and "UNTIL=" in ended["recurrence"]
    assert max(day_of(row) for row in await rows(api)) < MARCH_5


async def test_following_from_the_first_occurrence_checks_that_instance(api: Api) -> None:
    """There "this and following" is the whole series, but the revision read is still the instance's."""
    series = await tuesday_class(api)
    first = instance_id(series["_id"], TUESDAY)
    await edit(api, first, ["own"], 1)  # the first instance at 2, its series at 1
    await stale(api, UPDATE, following(first, 1, {"tags": ["all"]}), current=2)
    await stale(api, DELETE, following(first, 1), current=2)
    await series_unchanged(api, series["_id"], 1)
    whole = (await api.data(UPDATE, following(first, 2, {"tags": ["all"]})))["updateSession"]
    assert whole["_id"] == series["_id"] and whole["revision"] == 2
    now_at = (await read(api, first))["revision"]
    await stale(api, DELETE, following(first, now_at - 1), current=now_at)
    cancelled = (await api.data(DELETE, following(first, now_at)))["deleteSession"]
    assert cancelled["_id"] == series["_id"] and cancelled["status"] == "CANCELLED"


async def test_all_from_an_instance_checks_the_revision_that_instance_showed(api: Api) -> None:
    """An instance with its own exception shows that exception's revision, not its series'."""
    series = await tuesday_class(api)
    named = instance_id(series["_id"], TUESDAY)
    await edit(api, named, ["own"], 1)  # the instance at 2, its series still at 1
    everything = {"scope": "ALL"}
    await stale(
        api,
        UPDATE,
        {"id": named, "info": {"tags": ["all"]}, "options": everything | {"expectedRevision": 1}},
        2,
    )
    await series_unchanged(api, series["_id"], 1)
    whole = await api.data(
        UPDATE, {"id": named, "info": {"tags": ["all"]}, "options": everything | {"expectedRevision": 2}}
    )
    assert (whole["updateSession"]["_id"], whole["updateSession"]["revision"]) == (series["_id"], 2)
