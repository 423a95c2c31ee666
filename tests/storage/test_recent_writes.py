"""Single sessions as this process last wrote them: the FerretDB write path's spared read, and what a
stale copy (another process wrote the session) may and may not do."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from bookings_sessions.domain.changes import Change, record_change
from bookings_sessions.fast.recent_writes import RecentWrites
from bookings_sessions.storage.capabilities import FERRETDB
from bookings_sessions.storage.client import close_client, create_client
from bookings_sessions.storage.ferretdb import EmbeddedFerretDB
from bookings_sessions.storage.pending import CHANGE_LOG, ROOM
from bookings_sessions.storage.store import SessionStore
from tests.support.commands import CommandLog, watched_store
from tests.support.domain import CREATED, make_session

LATER = CREATED + timedelta(hours=1)


def test_only_single_sessions_are_kept_and_the_least_recently_written_go_first() -> None:
    recent = RecentWrites(kept=2)
    for session_id in ("a", "b", "c"):
        recent.remember({"_id": session_id, "kind": "single"})
    recent.remember({"_id": "s", "kind": "series"})
    assert [recent.get(key) is not None for key in ("a", "b", "c", "s")] == [False, True, True, False]
    recent.remember({"_id": "b", "kind": "single", "revision": 2})
    recent.remember({"_id": "d", "kind": "single"})
    assert [recent.get(key) is not None for key in ("b", "c", "d")] == [True, False, True]
    recent.forget("b")
    assert recent.get("b") is None


@pytest.fixture
async def watched(
    ferretdb: EmbeddedFerretDB, database_name: str
) -> AsyncIterator[tuple[SessionStore, CommandLog]]:
    async with watched_store(ferretdb.uri, database_name, atomic=False) as watched:
        yield watched


@pytest.fixture
async def other_process(ferretdb: EmbeddedFerretDB, database_name: str) -> AsyncIterator[SessionStore]:
    client: Any = create_client(ferretdb.uri)
    try:
        yield SessionStore(client, database_name, capabilities=FERRETDB)
    finally:
        await close_client(client)


def notes_change() -> Change:
    return record_change(session_id="s1", changed={"notes": "x"}, now=LATER, revision=None, schedule_id=None)


async def test_the_write_shortcut_to_a_session_this_process_wrote_needs_no_read(
    watched: tuple[SessionStore, CommandLog],
) -> None:
    store, commands = watched
    await store.insert(make_session(), change=notes_change())
    commands.sent.clear()

    first = await store.patch_if_changed("s1", {"notes": "one"}, now=LATER, change=notes_change())
    second = await store.patch_if_changed("s1", {"notes": "two"}, now=LATER, change=notes_change())

    assert first is not None and second is not None and (second.notes, second.revision) == ("two", 3)
    assert [command for command in commands.sent if command.endswith(" sessions")] == [
        "findAndModify sessions",
        "findAndModify sessions",
    ]


async def test_a_copy_that_says_nothing_would_change_is_checked_against_the_document(
    watched: tuple[SessionStore, CommandLog], other_process: SessionStore
) -> None:
    store, _ = watched
    await store.insert(make_session(), change=notes_change())
    assert await store.patch_if_changed("s1", {"notes": "mine"}, now=LATER, change=notes_change())
    assert await other_process.patch_if_changed("s1", {"notes": "theirs"}, now=LATER, change=notes_change())

    # This process's copy still says "mine": the write must not be skipped as a no-op.
    written = await store.patch_if_changed("s1", {"notes": "mine"}, now=LATER, change=notes_change())

    assert written is not None and (written.notes, written.revision) == ("mine", 4)


async def test_a_stale_copy_never_trims_another_process_entries(
    watched: tuple[SessionStore, CommandLog], other_process: SessionStore
) -> None:
    store, _ = watched
    await store.insert(make_session(), change=notes_change())  # its copy: one entry, room to append
    for number in range(ROOM):  # nothing copied by a mover: every entry must stay
        assert await other_process.patch_if_changed(
            "s1", {"notes": f"theirs {number}"}, now=LATER, change=notes_change()
        )

    for number in range(2):  # the first appends past the room it believed in; the second reads, trims nothing
        assert await store.patch_if_changed(
            "s1", {"notes": f"mine {number}"}, now=LATER, change=notes_change()
        )

    doc = await store.sessions.find_one({"_id": "s1"})
    assert doc is not None and doc["revision"] == ROOM + 3 and len(doc["changeLog"]) == ROOM + 3


async def test_a_trim_from_a_stale_copy_writes_back_what_another_process_appended(
    watched: tuple[SessionStore, CommandLog], other_process: SessionStore
) -> None:
    store, _ = watched
    await store.insert(make_session(), change=notes_change())
    for number in range(ROOM - 1):  # this process's copy: a full change log
        assert await store.patch_if_changed(
            "s1", {"notes": f"mine {number}"}, now=LATER, change=notes_change()
        )
    await store.hints[CHANGE_LOG].advance("s1", ROOM)  # every entry copied by the mover
    # The other process writes next (its trim keeps only its own entry): this process's copy is stale.
    assert await other_process.patch_if_changed("s1", {"notes": "theirs"}, now=LATER, change=notes_change())

    # The copy says full and copied: trimmed from it, the write would drop the other process's entry.
    written = await store.patch_if_changed("s1", {"notes": "mine last"}, now=LATER, change=notes_change())

    assert written is not None and (written.notes, written.revision) == ("mine last", ROOM + 2)
    doc = await store.sessions.find_one({"_id": "s1"})
    assert doc is not None and doc["revision"] == ROOM + 2
    assert CHANGE_LOG.revisions(doc) == [ROOM + 1, ROOM + 2]  # theirs, then this write's
    assert store.recent.get("s1") == doc  # the copy kept is the document as it now is
