"""The change log through the API (docs/design.md §9): `changes`, its cursor, retention, permissions."""

from __future__ import annotations

import asyncio
import time
from datetime import date, timedelta
from typing import Any

import pytest

from bookings_sessions.domain.recurrence import instance_id
from bookings_sessions.service.splits import sweep_splits
from bookings_sessions.storage import splits as split_writes
from bookings_sessions.storage.change_log import ChangeLogStore
from bookings_sessions.storage.clock import utc_now
from tests.support.api import Api
from tests.support.graphql import CHANGES, DELETE, INSTANCE_DAY, SERIES_ZONE, UPDATE, changes_query, wall_time
from tests.support.scopes import MARCH_5, tuesday_class
from tests.support.scopes import local as scope_local
from tests.support.tokens import AS_ADMIN, AsAdmin

# How long the sequencer may take to number a change: generous, never asserted as a speed.
WAIT_SECONDS = 20.0


async def changes(
    api: Api,
    after: str | None = None,
    first: int | None = None,
    token: str | AsAdmin | None = AS_ADMIN,
    **filter: Any,
) -> dict[str, Any]:
    variables: dict[str, Any] = {"after": after, "filter": filter or None}
    if first is not None:
        variables["first"] = first
    result: dict[str, Any] = (await api.data(CHANGES, variables, token))["changes"]
    return result


async def follow(api: Api, count: int, after: str | None = None, **filter: Any) -> tuple[list[Any], str]:
    """Follows `endCursor` until `count` changes arrived (they are numbered in the background)."""
    nodes: list[Any] = []
    cursor = after
    deadline = time.monotonic() + WAIT_SECONDS
    while len(nodes) < count:
        assert time.monotonic() < deadline, f"only {len(nodes)} of {count} changes arrived: {nodes}"
        page = await changes(api, cursor, **filter)
        nodes += [edge["node"] for edge in page["edges"]]
        cursor = page["pageInfo"]["endCursor"]
        if not page["edges"]:
            await asyncio.sleep(0.05)
    assert cursor is not None
    return nodes, cursor


async def test_every_write_is_one_change_in_order(api: Api) -> None:
    session = await api.create_single(scheduleId="s-1")
    await api.data(UPDATE, {"id": session["_id"], "info": {"notes": "moved", "tags": ["X"]}})
    await api.data(UPDATE, {"id": session["_id"], "info": {"scheduleId": "s-2"}})
    await api.data(DELETE, {"id": session["_id"]})

    nodes, _ = await follow(api, 4)

    assert [(n["kind"], n["revision"], n["scheduleId"]) for n in nodes] == [
        ("CREATED", 1, "s-1"),
        ("UPDATED", 2, "s-1"),
        ("UPDATED", 3, "s-2"),
        ("CANCELLED", 4, "s-2"),
    ]
    assert [n["changedFields"] for n in nodes] == [[], ["notes", "tags"], ["scheduleId"], ["status"]]
    assert {n["sessionId"] for n in nodes} == {session["_id"]}
    # `session` is the session as it is now, through the request's DataLoader.
    assert {n["session"]["revision"] for n in nodes} == {4}


async def test_series_and_instance_changes(api: Api) -> None:
    series = await api.create_series()
    await api.update(series["_id"], {"tags": ["CHANGED"]})
    instance = instance_id(series["_id"], INSTANCE_DAY)
    await api.update(
        instance,
        {
            "start": wall_time(INSTANCE_DAY, 12, zone=SERIES_ZONE),
            "end": wall_time(INSTANCE_DAY, 13, zone=SERIES_ZONE),
        },
    )
    await api.update(instance, {"tags": ["ONE"]})

    nodes, _ = await follow(api, 4)

    assert [(n["kind"], n["sessionId"], n["revision"]) for n in nodes] == [
        ("CREATED", series["_id"], 1),
        ("UPDATED", series["_id"], 2),
        ("UPDATED", instance, 3),
        ("UPDATED", instance, 4),
    ]
    assert nodes[1]["changedFields"] == ["tags"]
    assert nodes[2]["changedFields"] == ["end", "start"]
    assert {n["scheduleId"] for n in nodes} == {"schedule-1"}
    assert nodes[3]["session"]["_id"] == instance


async def test_following_end_cursor_pages_through_everything_once(api: Api) -> None:
    sessions = [await api.create_single(notes=f"n{number}") for number in range(5)]
    _, first_cursor = await follow(api, 5)

    for session in sessions:
        await api.data(UPDATE, {"id": session["_id"], "info": {"notes": "again"}})
    seen: list[tuple[str, int]] = []
    cursor = first_cursor
    deadline = time.monotonic() + WAIT_SECONDS
    while len(seen) < 5:
        assert time.monotonic() < deadline
        page = await changes(api, cursor, first=2)
        assert len(page["edges"]) <= 2
        seen += [(e["node"]["sessionId"], e["node"]["revision"]) for e in page["edges"]]
        cursor = page["pageInfo"]["endCursor"]
        if not page["edges"]:
            await asyncio.sleep(0.05)

    assert sorted(seen) == sorted((s["_id"], 2) for s in sessions)
    # Nothing more after the end: an empty page keeps the position.
    last = await changes(api, cursor)
    assert last["edges"] == [] and last["pageInfo"] == {"hasNextPage": False, "endCursor": cursor}


async def test_filter_by_schedule(api: Api) -> None:
    mine = await api.create_single(scheduleId="mine")
    await api.create_single(scheduleId="other")
    await api.data(UPDATE, {"id": mine["_id"], "info": {"notes": "x"}})
    await follow(api, 3)

    page = await changes(api, scheduleIds=["mine"])

    assert [(e["node"]["sessionId"], e["node"]["revision"]) for e in page["edges"]] == [
        (mine["_id"], 1),
        (mine["_id"], 2),
    ]


async def test_filter_by_schedule_tells_a_mirror_when_a_session_left(api: Api) -> None:
    """Issue 21, 5: the change that moved a session off a listed schedule is listed too, and says which
    schedule it left, so a mirror of that schedule drops the session."""
    moved = await api.create_single(scheduleId="feed")
    await api.data(UPDATE, {"id": moved["_id"], "info": {"scheduleId": "elsewhere"}})
    await api.data(UPDATE, {"id": moved["_id"], "info": {"notes": "not feed's business any more"}})
    await follow(api, 3)
    query = changes_query("kind sessionId scheduleId previousScheduleId revision")

    page = (await api.data(query, {"filter": {"scheduleIds": ["feed"]}}))["changes"]

    assert [edge["node"] for edge in page["edges"]] == [
        {
            "kind": "CREATED",
            "sessionId": moved["_id"],
            "scheduleId": "feed",
            "previousScheduleId": None,
            "revision": 1,
        },
        {
            "kind": "UPDATED",
            "sessionId": moved["_id"],
            "scheduleId": "elsewhere",
            "previousScheduleId": "feed",
            "revision": 2,
        },
    ]
    # The schedule it moved to lists that change too (it arrived there), and what followed.
    arrived = (await api.data(query, {"filter": {"scheduleIds": ["elsewhere"]}}))["changes"]
    assert [edge["node"]["revision"] for edge in arrived["edges"]] == [2, 3]


@pytest.mark.parametrize("caller", ["anonymous", "no-roles"])
async def test_only_staff_admins_and_services_read_changes(api: Api, caller: str) -> None:
    token = None if caller == "anonymous" else api.tokens.make()
    await api.create_single()
    await follow(api, 1)
    for allowed in (api.tokens.admin, api.tokens.staff, api.tokens.service):
        assert len((await changes(api, token=allowed))["edges"]) == 1

    error = await api.error(CHANGES, {}, token)

    # As `sessionUpdated`: a field staff may read is FORBIDDEN, not UNAUTHENTICATED, to visitors.
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert error["path"] == ["changes"]


async def test_retention_and_expired_cursors(api: Api) -> None:
    sessions = [await api.create_single() for _ in range(3)]
    nodes, cursor = await follow(api, 3)
    oldest_page = await changes(api, first=1)
    first_cursor = oldest_page["edges"][0]["cursor"]
    # The first two changes age past retention; the sequencer's pruning (or MongoDB's TTL) removes them.
    db = api.app.state.runtime.client[api.app.state.runtime.settings.mongodb_database]
    old = utc_now() - timedelta(days=31)
    await db["changes"].update_many(
        {"sessionId": {"$in": [s["_id"] for s in sessions[:2]]}}, {"$set": {"at": old}}
    )
    await ChangeLogStore(db).prune(utc_now() - timedelta(days=30))

    remaining = await changes(api)
    assert [e["node"]["sessionId"] for e in remaining["edges"]] == [sessions[2]["_id"]]
    error = await api.error(CHANGES, {"after": first_cursor})
    assert error["extensions"]["code"] == "CURSOR_EXPIRED"
    # A cursor just before the oldest retained change still works; so does the newest.
    assert (await changes(api, cursor))["edges"] == []
    assert len(nodes) == 3


async def test_bad_cursors(api: Api) -> None:
    await api.create_single()
    _, cursor = await follow(api, 1)
    session_cursor_like = "MjAyMC0wMS0wMVQwMDowMDowMCswMDowMHxhYmM"  # an (instant, id) cursor

    assert (await api.error(CHANGES, {"after": "nope!"}))["extensions"]["code"] == "BAD_USER_INPUT"
    assert (await api.error(CHANGES, {"after": session_cursor_like}))["extensions"][
        "code"
    ] == "BAD_USER_INPUT"
    # A cursor from a longer log (another database, or one that was reset): resync.
    ahead = cursor.rstrip("=")
    page = await changes(api, ahead)
    assert page["edges"] == []
    error = await api.error(CHANGES, {"after": "c2VxOjk5OTk"})  # seq:9999
    assert error["extensions"]["code"] == "CURSOR_EXPIRED"


class Crash(Exception):
    """A process killed mid-split: the writes before this point stay, none after."""


async def crash(*args: Any, **kwargs: Any) -> bool:
    raise Crash


def split_at_march(series_id: str) -> dict[str, Any]:
    return {
        "id": instance_id(series_id, MARCH_5),
        "info": {"start": scope_local(MARCH_5, 18, 30), "end": scope_local(MARCH_5, 19, 30)},
        "options": {"scope": "THIS_AND_FOLLOWING"},
    }


async def until_marker(api: Api, after: str) -> tuple[list[Any], str]:
    """Every change after `after` up to a marker write made now: whatever was recorded before the
    marker and can be numbered is numbered by then (the sequencer moves a round's entries together)."""
    marker = await api.create_single(notes="marker")
    nodes: list[Any] = []
    cursor = after
    while not any(node["sessionId"] == marker["_id"] for node in nodes):
        more, cursor = await follow(api, 1, cursor)
        nodes += more
    return [node for node in nodes if node["sessionId"] != marker["_id"]], cursor


async def test_a_split_is_one_change_per_affected_series(api: Api) -> None:
    series = await tuesday_class(api)
    _, cursor = await follow(api, 1)

    split = (await api.data(UPDATE, split_at_march(series["_id"])))["updateSession"]
    new_id = split["recurringSessionId"]
    nodes, cursor = await until_marker(api, cursor)

    # Both series change in one step, so their relative order is free; each is one event.
    assert sorted((n["kind"], n["sessionId"], n["revision"]) for n in nodes) == sorted(
        [("UPDATED", series["_id"], 2), ("CREATED", new_id, 1)]
    )
    updated = next(n for n in nodes if n["sessionId"] == series["_id"])
    assert updated["changedFields"] == ["recurrence"]  # its new UNTIL
    assert {n["scheduleId"] for n in nodes} == {"schedule-1"}

    # Ending the new series there ("delete this and following") is one event of that series.
    later = instance_id(new_id, date(2030, 4, 2))
    await api.data(DELETE, {"id": later, "options": {"scope": "THIS_AND_FOLLOWING"}})
    nodes, cursor = await until_marker(api, cursor)
    assert [(n["kind"], n["sessionId"], n["revision"], n["changedFields"]) for n in nodes] == [
        ("UPDATED", new_id, 2, ["recurrence"])
    ]


async def test_a_split_that_never_commits_publishes_nothing(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    series = await tuesday_class(api)
    _, cursor = await follow(api, 1)
    store = api.app.state.runtime.services.store

    with monkeypatch.context() as patched:
        patched.setattr(store, "replace_series", crash)
        assert (await api.error(UPDATE, split_at_march(series["_id"])))["extensions"]["code"] == "INTERNAL"
    pending = await store.sessions.find_one({"pending": {"$exists": True}}, {"changeLog": 1})
    assert pending is not None and len(pending["changeLog"]) == 1  # its CREATED event waits with it
    nodes, cursor = await until_marker(api, cursor)
    assert nodes == []  # not published: the split is not committed

    # The retry commits it: the new series' CREATED event once, though its pending insert was written twice.
    split = (await api.data(UPDATE, split_at_march(series["_id"])))["updateSession"]
    nodes, cursor = await until_marker(api, cursor)
    assert sorted((n["kind"], n["sessionId"], n["revision"]) for n in nodes) == sorted(
        [("UPDATED", series["_id"], 2), ("CREATED", split["recurringSessionId"], 1)]
    )


async def test_a_committed_split_is_published_before_it_is_finished(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    series = await tuesday_class(api)
    _, cursor = await follow(api, 1)

    with monkeypatch.context() as patched:
        patched.setattr(split_writes, "finish", crash)
        assert (await api.error(UPDATE, split_at_march(series["_id"])))["extensions"]["code"] == "INTERNAL"
    store = api.app.state.runtime.services.store
    pending = await store.sessions.find_one({"pending": {"$exists": True}}, {"_id": 1})
    assert pending is not None
    nodes, cursor = await until_marker(api, cursor)
    assert sorted((n["kind"], n["sessionId"]) for n in nodes) == sorted(
        [("UPDATED", series["_id"]), ("CREATED", pending["_id"])]
    )

    # Finishing it (the startup sweep) records no second event.
    assert (await sweep_splits(api.app.state.runtime.services))[0] == [pending["_id"]]
    nodes, cursor = await until_marker(api, cursor)
    assert nodes == []
