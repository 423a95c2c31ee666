"""The change log's store and sequencer against the real FerretDB (docs/design.md §9)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bookings_sessions.domain.changes import ChangeKind, record_change
from bookings_sessions.domain.errors import CursorExpired
from bookings_sessions.notifications.sequencer import Sequencer, SequencerConfig
from bookings_sessions.storage.changes import ChangeLogStore
from bookings_sessions.storage.clock import utc_now
from bookings_sessions.storage.store import SessionStore
from tests.support.domain import make_session

CONFIG = SequencerConfig(poll_seconds=0.01, lease=timedelta(seconds=30), retention=timedelta(days=30))


@pytest.fixture
async def log(store: SessionStore) -> ChangeLogStore:
    changes = ChangeLogStore(store.db)
    await changes.ensure_indexes(CONFIG.retention)
    return changes


async def create(store: SessionStore, session_id: str, schedule: str = "schedule-1") -> None:
    session = make_session(session_id, schedule_id=schedule)
    change = record_change(
        session_id=session_id, changed={}, now=utc_now(), revision=1, schedule_id=schedule, created=True
    )
    await store.insert(session, change=change)


async def blind_update(store: SessionStore, session_id: str, notes: str) -> None:
    """The write shortcut: no read, so no revision or schedule in its event."""
    change = record_change(
        session_id=session_id, changed={"notes": notes}, now=utc_now(), revision=None, schedule_id=None
    )
    assert await store.patch_if_changed(session_id, {"notes": notes}, now=utc_now(), change=change)


async def move_schedule(
    store: SessionStore, session_id: str, revision: int, schedule: str, before: str
) -> None:
    change = record_change(
        session_id=session_id,
        changed={"schedule_id": schedule},
        now=utc_now(),
        revision=revision + 1,
        schedule_id=schedule,
        previous_schedule_id=before,
    )
    assert await store.patch(session_id, revision, {"schedule_id": schedule}, now=utc_now(), change=change)


async def test_the_sequencer_derives_what_the_shortcut_left_out(
    store: SessionStore, log: ChangeLogStore
) -> None:
    await create(store, "s1", "old")
    await blind_update(store, "s1", "one")  # revision 2, on "old"
    await move_schedule(store, "s1", 2, "new", "old")  # revision 3
    await blind_update(store, "s1", "two")  # revision 4, on "new"
    sequencer = Sequencer(log, CONFIG, owner="me")

    assert await sequencer.step()

    events, more, committed = await log.page(after=None, first=10)
    assert not more and committed == 4
    assert [(e.sequence, e.revision, e.schedule_id, e.kind) for e in events] == [
        (1, 1, "old", ChangeKind.CREATED),
        (2, 2, "old", ChangeKind.UPDATED),
        (3, 3, "new", ChangeKind.UPDATED),
        (4, 4, "new", ChangeKind.UPDATED),
    ]
    assert [e.changed_fields for e in events] == [(), ("notes",), ("schedule_id",), ("notes",)]
    # Moved entries leave the document.
    doc = await store.sessions.find_one({"_id": "s1"})
    assert doc is not None and doc.get("changeLog") == []


async def test_a_crash_between_copy_and_removal_numbers_nothing_twice(
    store: SessionStore, log: ChangeLogStore
) -> None:
    await create(store, "s1")
    doc = await store.sessions.find_one({"_id": "s1"})
    assert doc is not None
    pending = list(doc["changeLog"])
    sequencer = Sequencer(log, CONFIG, owner="me")
    assert await sequencer.step()
    # As if the removal had not happened: the entry is back on the document.
    await store.sessions.update_one({"_id": "s1"}, {"$set": {"changeLog": pending}})
    await blind_update(store, "s1", "later")

    await sequencer.step()

    events, _, committed = await log.page(after=None, first=10)
    assert [(e.sequence, e.revision) for e in events] == [(1, 1), (2, 2)]
    assert committed == 2


async def test_one_sequencer_holds_the_lease_until_it_lets_go(
    store: SessionStore, log: ChangeLogStore
) -> None:
    await create(store, "s1")
    first = Sequencer(log, CONFIG, owner="first")
    second = Sequencer(log, CONFIG, owner="second")

    assert await first.step()
    await create(store, "s2")
    assert not await second.step()  # the lease is held: nothing moved by the second
    assert await log.committed() == 1

    assert first.held is not None
    await log.release(first.held, now=utc_now())
    assert await second.step()
    assert await log.committed() == 2
    assert second.held is not None and second.held.generation == first.held.generation + 1


async def test_retention_prunes_and_expires_old_cursors(store: SessionStore, log: ChangeLogStore) -> None:
    for number in range(3):
        await create(store, f"s{number}")
    sequencer = Sequencer(log, CONFIG, owner="me", prune=True)
    await sequencer.step()
    await log.changes.update_many({"_id": {"$lte": 2}}, {"$set": {"at": utc_now() - timedelta(days=31)}})

    await Sequencer(log, CONFIG, owner="me", prune=True).step()  # a first round prunes at once

    events, _, _ = await log.page(after=None, first=10)
    assert [e.sequence for e in events] == [3]
    assert (await log.page(after=2, first=10))[0][0].sequence == 3
    with pytest.raises(CursorExpired):
        await log.page(after=1, first=10)
    with pytest.raises(CursorExpired):
        await log.page(after=4, first=10)
