"""Store capabilities from `buildInfo`, and the conditional writes holding their conditions either way.

On MongoDB a write's condition rides in the filter; on FerretDB (not atomic) it is checked on the document
read by `_id`. Both modes run here against the real FerretDB, which evaluates the guarded filters too.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import pytest

from bookings_sessions.domain.changes import Change, record_change
from bookings_sessions.domain.commands import SessionPatch
from bookings_sessions.domain.series_patch import plan_series_update
from bookings_sessions.storage.capabilities import FERRETDB, MONGODB, capabilities_from_build_info
from bookings_sessions.storage.client import close_client, create_client
from bookings_sessions.storage.ferretdb import EmbeddedFerretDB
from bookings_sessions.storage.pending import CHANGE_LOG, ROOM
from bookings_sessions.storage.store import SessionStore
from tests.support.commands import watched_store
from tests.support.domain import CREATED, SERIES_CREATED, make_series, make_session

LATER = CREATED + timedelta(hours=1)


def test_ferretdb_keys_in_build_info_mean_no_atomic_updates_and_no_secondary_indexes() -> None:
    mongodb = {"version": "7.0.14", "gitVersion": "abc", "modules": [], "ok": 1.0}
    assert capabilities_from_build_info(mongodb) == MONGODB
    assert MONGODB.atomic_updates and MONGODB.secondary_indexes
    ferretdb = {**mongodb, "ferretdbVersion": "v1.24.2", "ferretdbFeatures": {}}
    assert capabilities_from_build_info(ferretdb) == FERRETDB
    assert not FERRETDB.atomic_updates and not FERRETDB.secondary_indexes


async def test_the_store_learns_that_ferretdb_is_not_atomic(store: SessionStore) -> None:
    assert await store.capabilities() == FERRETDB


@pytest.fixture(params=[True, False], ids=["guarded-filter", "checked-on-read"])
async def either_store(
    request: pytest.FixtureRequest, ferretdb: EmbeddedFerretDB, database_name: str
) -> AsyncIterator[SessionStore]:
    client: Any = create_client(ferretdb.uri)
    store = SessionStore(client, database_name, capabilities=MONGODB if request.param else FERRETDB)
    try:
        yield store
    finally:
        await client.drop_database(database_name)
        await close_client(client)


async def test_a_stale_revision_writes_nothing(either_store: SessionStore) -> None:
    await either_store.insert(make_session())
    assert await either_store.patch("s1", 1, {"notes": "first"}, now=LATER) is not None
    assert await either_store.patch("s1", 1, {"notes": "stale"}, now=LATER) is None
    stored = await either_store.load("s1")
    assert stored is not None and (stored.notes, stored.revision) == ("first", 2)


async def test_patch_if_changed_writes_only_a_real_change_to_a_single_session(
    either_store: SessionStore,
) -> None:
    await either_store.insert(make_session())
    assert await either_store.patch_if_changed("s1", {"notes": "A first note"}, now=LATER) is None
    assert await either_store.patch_if_changed("nope", {"notes": "x"}, now=LATER) is None
    written = await either_store.patch_if_changed("s1", {"notes": "new", "tags": ()}, now=LATER)
    assert written is not None and (written.notes, written.tags, written.revision) == ("new", (), 2)
    cleared = await either_store.patch_if_changed("s1", {"schedule_owner_id": None}, now=LATER)
    assert cleared is not None and (cleared.schedule_owner_id, cleared.revision) == (None, 3)
    assert await either_store.patch_if_changed("s1", {"schedule_owner_id": None}, now=LATER) is None


async def test_a_timed_patch_if_changed_leaves_an_all_day_session_alone(either_store: SessionStore) -> None:
    """New times are checked as a timed session's (without a read): an all-day one must not take them."""
    await either_store.insert(make_session("day", all_day=True))
    await either_store.insert(make_session("timed"))
    later = make_session().start.model_copy(update={"utc": LATER})
    moved = {"start": later, "end": later}

    assert await either_store.patch_if_changed("day", moved, now=LATER, timed=True) is None
    assert (await either_store.patch_if_changed("day", {"notes": "x"}, now=LATER)) is not None
    written = await either_store.patch_if_changed("timed", moved, now=LATER, timed=True)
    assert written is not None and written.start.utc == LATER
    stored = await either_store.load("day")
    assert stored is not None and stored.all_day and stored.start == make_session().start


async def test_patch_if_changed_leaves_a_series_alone(either_store: SessionStore) -> None:
    series = make_series(date(2030, 1, 7), "FREQ=WEEKLY;BYDAY=MO", session_id="series-1")
    await either_store.insert_series(series)
    assert await either_store.patch_if_changed("series-1", {"tags": ("X",)}, now=LATER) is None
    assert await either_store.load("series-1") == series


async def test_replace_series_is_a_compare_and_swap(either_store: SessionStore) -> None:
    series = make_series(date(2030, 1, 7), "FREQ=WEEKLY;BYDAY=MO", session_id="series-2", tags=("A",))
    await either_store.insert_series(series)
    planned = plan_series_update(
        series, SessionPatch.from_given({"tags": ("B",)}), business_zone="UTC", now=SERIES_CREATED
    )
    assert planned is not None
    assert await either_store.replace_series(planned, series.revision)
    assert not await either_store.replace_series(planned, series.revision)
    assert await either_store.load("series-2") == planned


def change_to(revision: int | None) -> Change:
    return record_change(
        session_id="s1", changed={"notes": "x"}, now=LATER, revision=revision, schedule_id="schedule-1"
    )


@pytest.mark.parametrize("atomic", [True, False], ids=["guarded-filter", "checked-on-read"])
async def test_a_full_change_log_is_trimmed_with_the_write_guarded_as_the_store_needs(
    ferretdb: EmbeddedFerretDB, database_name: str, atomic: bool
) -> None:
    async with watched_store(ferretdb.uri, database_name, atomic=atomic) as (store, commands):
        await store.insert(make_session(), change=change_to(1))
        for revision in range(1, 2 * ROOM + 1):  # nothing copied yet: nothing may be trimmed
            written = await store.patch(
                "s1", revision, {"notes": f"n{revision}"}, now=LATER, change=change_to(revision + 1)
            )
            assert written is not None
        # Nothing copied: the shortcut's write keeps every entry too; a stale write is refused.
        assert await store.patch_if_changed("s1", {"notes": "other"}, now=LATER, change=change_to(None))
        assert await store.patch("s1", 1, {"notes": "stale"}, now=LATER, change=change_to(2)) is None
        doc = await store.sessions.find_one({"_id": "s1"})
        assert doc is not None and len(doc["changeLog"]) == 2 * ROOM + 2

        await store.hints[CHANGE_LOG].advance("s1", 2 * ROOM + 2)  # as the sequencer does after copying
        # The one entry that says it changed the tags: entries carry no id (an event is known by its
        # session and revision).
        last = record_change(
            session_id="s1",
            changed={"tags": ["x"]},
            now=LATER,
            revision=2 * ROOM + 3,
            schedule_id="schedule-1",
        )
        assert await store.patch("s1", 2 * ROOM + 2, {"notes": "last"}, now=LATER, change=last)
        doc = await store.sessions.find_one({"_id": "s1"})
        assert doc is not None and [entry["changedFields"] for entry in doc["changeLog"]] == [["tags"]]

        # On FerretDB anything but a bare `_id` (`changeLog.7`, `$or`, `revision`) decodes the collection.
        guarded = [query for query in commands.write_filters if set(query) != {"_id"}]
        assert guarded == (commands.write_filters if atomic else [])


@pytest.mark.parametrize("atomic", [True, False], ids=["guarded-filter", "checked-on-read"])
async def test_the_write_shortcut_trims_a_full_change_log_with_the_mark_and_on_mongodb_one_read(
    ferretdb: EmbeddedFerretDB, database_name: str, atomic: bool
) -> None:
    async with watched_store(ferretdb.uri, database_name, atomic=atomic) as (store, commands):
        await store.insert(make_session(), change=change_to(1))
        for revision in range(1, ROOM):
            assert await store.patch(
                "s1", revision, {"notes": f"n{revision}"}, now=LATER, change=change_to(None)
            )
        await store.hints[CHANGE_LOG].advance("s1", ROOM - 1)  # every entry but the newest copied
        commands.sent.clear()

        written = await store.patch_if_changed("s1", {"notes": "other"}, now=LATER, change=change_to(None))
        sent = list(commands.sent)

        assert written is not None and (written.notes, written.revision) == ("other", ROOM + 1)
        doc = await store.sessions.find_one({"_id": "s1"})
        assert doc is not None and len(doc["changeLog"]) == 2  # the uncopied newest, and this write's
        if not atomic:  # the written document, as the write's answer gave it back, is the one stored
            assert store.recent.get("s1") == doc
        # MongoDB: the filter's room check failed, and a read brings the array. FerretDB: the array of
        # this process's copy, the write returning what it replaced (its revision says no one else wrote).
        tried = ["findAndModify sessions", "find sessions"] if atomic else []
        assert sent == [*tried, "find change_marks", "findAndModify sessions", "insert dirty_sessions"]
