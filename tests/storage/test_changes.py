"""The change log's store and sequencer against the real FerretDB (docs/design.md §9)."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from pymongo import AsyncMongoClient, monitoring

from bookings_sessions.change_log import sequencer as sequencer_module
from bookings_sessions.change_log.sequencer import Sequencer, SequencerConfig
from bookings_sessions.domain.changes import ChangeKind, record_change
from bookings_sessions.domain.commands import SessionPatch
from bookings_sessions.domain.errors import CursorExpired
from bookings_sessions.domain.series_patch import plan_series_update
from bookings_sessions.storage import splits as split_writes
from bookings_sessions.storage.change_log import STORED_EVERY, ChangeLogStore, LostLease
from bookings_sessions.storage.client import close_client, create_client
from bookings_sessions.storage.clock import utc_now
from bookings_sessions.storage.ferretdb import EmbeddedFerretDB
from bookings_sessions.storage.pending import CHANGE_LOG, ROOM, Handoff
from bookings_sessions.storage.store import SessionStore
from tests.support.commands import StartedCommands
from tests.support.domain import SERIES_CREATED, make_series, make_session

CONFIG = SequencerConfig(
    poll_seconds=0.01,
    lease=timedelta(seconds=30),
    retention=timedelta(days=30),
    scan_every=timedelta(minutes=5),
)


@pytest.fixture
async def log(store: SessionStore) -> ChangeLogStore:
    changes = ChangeLogStore(store.db)
    await changes.ensure_indexes(CONFIG.retention, await store.capabilities())
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


async def holding_the_lease(store: SessionStore, log: ChangeLogStore) -> Sequencer:
    """This process's sequencer after its first round over a created s1: it holds the lease, and its
    process's writers hand it their hints in memory."""
    sequencer = Sequencer(log, CONFIG, owner="me", handoff=store.handoff)
    await create(store, "s1")
    assert await sequencer.step()  # takes the lease (and scans); the handoff opens
    return sequencer


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
    # The sequencer only reads session documents: it records how far it got in its own collection.
    doc = await store.sessions.find_one({"_id": "s1"})
    assert doc is not None and len(doc["changeLog"]) == 4
    assert await log.pending.mark("s1") == 4


async def test_a_crash_between_copy_and_mark_numbers_nothing_twice(
    store: SessionStore, log: ChangeLogStore
) -> None:
    await create(store, "s1")
    sequencer = Sequencer(log, CONFIG, owner="me")
    assert await sequencer.step()
    await log.store_marks()
    # As if the mark had not been written: the first entry looks new again to the holder of the next
    # process (this one's kept the mark in memory too).
    await log.pending.marks.delete_many({})
    await blind_update(store, "s1", "later")

    await Sequencer(ChangeLogStore(store.db), CONFIG, owner="me").step()

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


async def test_a_mover_never_undoes_a_write_made_through_another_client(
    ferretdb: EmbeddedFerretDB, store: SessionStore, log: ChangeLogStore
) -> None:
    """Two processes on FerretDB: the lease holder's mover and a writer in the other process.

    FerretDB 1.24 applies an update as an unlocked read-modify-write of the whole document and the
    per-session lock covers one process only, so any mover write to a session document can undo a
    write racing it (with its change event): the mover must not write to session documents at all.
    """
    sessions = [f"s{number}" for number in range(8)]
    for session_id in sessions:
        await create(store, session_id)
    client: Any = create_client(ferretdb.uri, "pymongo")
    other = SessionStore(client, store.db.name)  # the other process: its own connection, no shared lock
    sequencer = Sequencer(log, CONFIG, owner="me")
    writes = 30

    async def hammer(session_id: str) -> None:  # one writer per session: writers never race each other
        for number in range(writes):
            await blind_update(other, session_id, f"note {number}")

    mover = asyncio.create_task(sequencer.run())
    try:
        await asyncio.gather(*(hammer(session_id) for session_id in sessions))
    finally:
        mover.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await mover
        await close_client(client)
    # A fresh holder moves what is left. The cancelled one may have stopped mid-round, with an insert
    # still in flight (motor runs it on a thread): a number found taken is a lost lease, as in `run`.
    drain = Sequencer(log, CONFIG, owner="me")
    while True:
        try:
            if not await drain.step():
                break
        except LostLease:
            drain.held = None

    for session_id in sessions:
        doc = await store.sessions.find_one({"_id": session_id})
        assert doc is not None and doc["revision"] == writes + 1, f"a write to {session_id} was undone"
    events, _, _ = await log.page(after=None, first=1000)
    assert sorted((e.session_id, e.revision) for e in events) == sorted(
        (session_id, revision) for session_id in sessions for revision in range(1, writes + 2)
    )


async def test_writers_keep_the_change_log_short_yet_never_drop_an_uncopied_entry(
    store: SessionStore, log: ChangeLogStore
) -> None:
    await create(store, "s1")
    for number in range(2 * ROOM):  # no sequencer yet: nothing is copied, so nothing may go
        await blind_update(store, "s1", f"before {number}")
    doc = await store.sessions.find_one({"_id": "s1"})
    assert doc is not None and len(doc["changeLog"]) == 2 * ROOM + 1

    sequencer = Sequencer(log, CONFIG, owner="me")
    assert await sequencer.step()
    for number in range(2 * ROOM):  # copied entries are trimmed by the writes that follow
        await blind_update(store, "s1", f"after {number}")
        await sequencer.step()
    doc = await store.sessions.find_one({"_id": "s1"})
    assert doc is not None and len(doc["changeLog"]) <= ROOM

    events, _, _ = await log.page(after=None, first=100)
    assert [e.revision for e in events] == list(range(1, 4 * ROOM + 2))


class SessionScans(StartedCommands):
    """Counts the queries on `sessions` with anything but an `_id` in their filter (a full decode on
    FerretDB, which pushes down only `_id`)."""

    def __init__(self) -> None:
        self.count = 0

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        command = event.command
        if event.command_name == "find" and command.get("find") == "sessions":
            self.count += "_id" not in command.get("filter", {})


async def test_moves_read_hinted_sessions_by_id_and_a_rare_scan_catches_a_missing_hint(
    ferretdb: EmbeddedFerretDB, store: SessionStore, log: ChangeLogStore
) -> None:
    scans = SessionScans()
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        ferretdb.uri, tz_aware=True, event_listeners=[scans]
    )
    try:
        watched = ChangeLogStore(client[store.db.name])
        sequencer = Sequencer(watched, CONFIG, owner="me")
        await create(store, "s1")
        assert await sequencer.step()  # taking the lease: one scan
        assert scans.count == 1

        for number in range(5):
            await create(store, f"n{number}")
            await blind_update(store, "s1", f"note {number}")
            assert await sequencer.step()
        assert scans.count == 1  # hints, then `_id` reads only

        # A writer that died between its write and its hint: only the scan finds the change.
        await create(store, "lost")
        await watched.pending.hints.delete_one({"_id": "lost"})
        assert not await sequencer.step()
        sequencer.config = replace(CONFIG, scan_every=timedelta(0))  # as if the interval had passed
        assert await sequencer.step()
        assert scans.count == 2
        events, _, _ = await watched.page(after=None, first=100)
        assert [(e.session_id, e.revision) for e in events[-1:]] == [("lost", 1)]
    finally:
        await client.close()


async def test_a_pending_split_series_keeps_its_hint_until_its_split_commits(
    store: SessionStore, log: ChangeLogStore
) -> None:
    def created(session_id: str) -> Any:
        return record_change(
            session_id=session_id, changed={}, now=utc_now(), revision=1, schedule_id=None, created=True
        )

    series = make_series(date(2030, 1, 7), "FREQ=WEEKLY;BYDAY=MO", session_id="series-1")
    await store.insert_series(series, change=created("series-1"))
    tail = make_series(date(2030, 2, 4), "FREQ=WEEKLY;BYDAY=MO", session_id="series-1-tail")
    await split_writes.put_pending(store, tail, "series-1", [], [], created(tail.id))
    sequencer = Sequencer(log, CONFIG, owner="me")
    assert await sequencer.step()  # the first round scans: the origin's event, not the pending one
    assert not await sequencer.step()  # takes the pending series' hint: still nothing to move

    planned = plan_series_update(
        series, SessionPatch.from_given({"tags": ("B",)}), business_zone="UTC", now=SERIES_CREATED
    )
    assert planned is not None
    ended = record_change(
        session_id="series-1", changed={"tags": ("B",)}, now=utc_now(), revision=2, schedule_id=None
    )
    assert await store.replace_series(planned, series.revision, change=ended, split_into=tail.id)
    assert await sequencer.step()  # the commit: both events, the pending one from its kept hint
    events, _, _ = await log.page(after=None, first=100)
    assert sorted((e.session_id, e.revision) for e in events) == [
        ("series-1", 1),
        ("series-1", 2),
        ("series-1-tail", 1),
    ]


async def test_the_lease_holder_takes_its_own_writers_hints_in_memory(
    store: SessionStore, log: ChangeLogStore
) -> None:
    sequencer = await holding_the_lease(store, log)

    await create(store, "s2")
    await blind_update(store, "s1", "handed")
    # Only the hint left before the lease was held is stored: the later writes handed theirs over.
    assert [hint["_id"] for hint in await log.pending.hints.find({}).to_list(length=None)] == ["s1"]
    assert await sequencer.step()

    events, _, committed = await log.page(after=None, first=10)
    assert sorted((e.session_id, e.revision) for e in events) == [("s1", 1), ("s1", 2), ("s2", 1)]
    assert committed == 3
    assert (store.handoff.copied["s1"], store.handoff.copied["s2"]) == (2, 1)


async def test_hints_handed_over_become_stored_hints_when_the_lease_is_lost(
    store: SessionStore, log: ChangeLogStore
) -> None:
    first = Sequencer(log, CONFIG, owner="first", handoff=store.handoff)
    await create(store, "s1")
    assert await first.step()
    await create(store, "s2")  # handed to `first`, which then loses its lease before moving it
    assert first.held is not None
    await log.release(first.held, now=utc_now())
    second = Sequencer(log, CONFIG, owner="second")
    assert await second.step()  # takes the lease and scans, which finds s2...
    await create(store, "s3")  # ...but not this write, handed over to `first` after that scan
    first._renew_at = None  # its next round renews, and finds the lease gone

    assert not await first.step()
    assert not store.handoff.open
    hinted = {hint["_id"] for hint in await log.pending.hints.find({}).to_list(length=None)}
    assert {"s2", "s3"} <= hinted  # (s1: left before the handoff opened)
    assert await second.step()
    events, _, _ = await log.page(after=None, first=10)
    assert sorted((e.session_id, e.revision) for e in events) == [("s1", 1), ("s2", 1), ("s3", 1)]


async def test_a_document_keeps_only_what_the_sequencer_cannot_derive_of_its_events(
    store: SessionStore, log: ChangeLogStore
) -> None:
    await create(store, "s1", "old")
    await move_schedule(store, "s1", 1, "new", "old")
    doc = await store.sessions.find_one({"_id": "s1"})
    assert doc is not None
    # Session, revision and schedule come from the document (its `_id`, the entry's position, its
    # `scheduleId` walked back through the moves). No id: an event is known by (session, revision).
    assert [sorted(entry) for entry in doc["changeLog"]] == [
        ["at", "changedFields", "kind"],
        ["at", "changedFields", "kind", "previousScheduleId"],
    ]
    assert await Sequencer(log, CONFIG, owner="me").step()
    events, _, _ = await log.page(after=None, first=10)
    assert [(e.session_id, e.revision, e.schedule_id) for e in events] == [("s1", 1, "old"), ("s1", 2, "new")]


async def test_entries_written_with_an_id_before_it_was_dropped_still_move(
    store: SessionStore, log: ChangeLogStore
) -> None:
    await create(store, "s1", "old")
    await store.sessions.update_one({"_id": "s1"}, {"$set": {"changeLog.0.id": "0f" * 16}})
    assert await Sequencer(log, CONFIG, owner="me").step()
    events, _, _ = await log.page(after=None, first=10)
    assert [(e.session_id, e.revision, e.schedule_id) for e in events] == [("s1", 1, "old")]


async def test_marks_are_stored_every_few_revisions_and_when_the_lease_is_let_go(
    store: SessionStore, log: ChangeLogStore
) -> None:
    await create(store, "s1")
    sequencer = Sequencer(log, CONFIG, owner="me")
    assert await sequencer.step()
    assert await log.pending.mark("s1") == 0  # copied up to 1: one revision ahead of the store
    for number in range(STORED_EVERY):
        await blind_update(store, "s1", f"note {number}")
    assert await sequencer.step()
    assert await log.pending.mark("s1") == STORED_EVERY + 1
    await blind_update(store, "s1", "one more")
    assert await sequencer.step()
    assert await log.pending.mark("s1") == STORED_EVERY + 1

    mover = asyncio.create_task(sequencer.run())
    await asyncio.sleep(0.1)
    mover.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await mover

    assert await log.pending.mark("s1") == STORED_EVERY + 2
    lease = await log.sequencer.find_one({"_id": "lease"})
    assert lease is not None and lease["leaseUntil"] <= utc_now()


async def test_a_writer_trims_a_full_change_log_with_its_own_process_marks(
    store: SessionStore, log: ChangeLogStore
) -> None:
    await create(store, "s1")
    await blind_update(store, "s1", "second")
    sequencer = Sequencer(log, CONFIG, owner="me", handoff=store.handoff)
    assert await sequencer.step()  # copies revisions 1 and 2: ahead of the stored mark
    assert await log.pending.mark("s1") == 0
    for number in range(ROOM - 2):
        await blind_update(store, "s1", f"note {number}")  # handed over, not copied: a full log

    await blind_update(store, "s1", "trimmed")

    doc = await store.sessions.find_one({"_id": "s1"})
    assert doc is not None and doc["revision"] == ROOM + 1
    # Revisions 3 to ROOM are not copied yet and stay; 1 and 2 are, by this process's mover.
    assert len(doc["changeLog"]) == ROOM - 1


async def test_marks_of_sessions_only_this_process_writes_wait_until_the_lease_is_let_go(
    store: SessionStore, log: ChangeLogStore
) -> None:
    sequencer = await holding_the_lease(store, log)
    for number in range(2 * STORED_EVERY):
        await blind_update(store, "s1", f"note {number}")  # handed over in memory
        assert await sequencer.step()
    # No other process writes s1: no writer elsewhere trims with its stored mark, so none is written.
    assert await log.pending.mark("s1") == 0

    await store.hints[CHANGE_LOG].leave("s1")  # as a write by another process leaves its hint
    await blind_update(store, "s1", "one more")
    assert await sequencer.step()
    assert await log.pending.mark("s1") == 2 * STORED_EVERY + 2  # now a writer elsewhere needs it

    await blind_update(store, "s1", "last")
    assert await sequencer.step()
    mover = asyncio.create_task(sequencer.run())
    await asyncio.sleep(0.1)
    mover.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await mover
    assert await log.pending.mark("s1") == 2 * STORED_EVERY + 3  # stored when it let go


async def test_a_round_says_whether_hints_are_left_for_the_next_one(
    store: SessionStore, log: ChangeLogStore
) -> None:
    for session_id in ("s1", "s2", "s3"):
        await create(store, session_id)

    assert len(await log.move(1, limit=2)) == 2
    assert log.backlog  # a full batch: more may wait, so the next round follows at once
    assert len(await log.move(3, limit=2)) == 1
    assert not log.backlog  # the rest: the next round waits for the poll and takes more at once


class HandsOverDuringTheRound(StartedCommands):
    """A write of this process handing its hint over while a round reads the stored hints."""

    def __init__(self, handoff: Handoff, session_id: str) -> None:
        self.handoff, self.session_id, self.done = handoff, session_id, False

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if not self.done and event.command_name == "find" and event.command["find"] == CHANGE_LOG.hints:
            self.done = self.handoff.offer(self.session_id, None)


async def test_writes_handed_over_during_a_round_wait_for_the_poll_but_a_full_batch_does_not(
    ferretdb: EmbeddedFerretDB, store: SessionStore, log: ChangeLogStore
) -> None:
    """Under steady writes some arrive during every round: following them at once made a round (an
    insert, a commit and a hint read) per few writes instead of one per poll."""
    await holding_the_lease(store, log)
    for session_id in ("s2", "s3"):
        await create(store, session_id)
    during = HandsOverDuringTheRound(store.handoff, "s1")
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        ferretdb.uri, tz_aware=True, event_listeners=[during]
    )
    try:
        mover = ChangeLogStore(client[store.db.name])
        moved = await mover.move(await log.last_number() + 1, limit=5, handoff=store.handoff)
    finally:
        await client.close()
    assert during.done and sorted(change.session_id for change in moved) == ["s2", "s3"]
    assert not mover.backlog  # the round took every hint there was: the next one waits for the poll
    assert store.handoff.waiting  # the hint handed over meanwhile, for that next round

    await create(store, "s4")
    await log.move(await log.last_number() + 1, limit=1, handoff=store.handoff)  # takes s1's hint
    assert log.backlog  # a full batch left a hint behind (s4's): the next round follows at once
    taken = await log.move(await log.last_number() + 1, limit=1, handoff=store.handoff)
    assert [change.session_id for change in taken] == ["s4"]


async def test_a_quiet_spell_stores_the_marks_left_behind(store: SessionStore, log: ChangeLogStore) -> None:
    sequencer = await holding_the_lease(store, log)
    await blind_update(store, "s1", "handed")
    assert await sequencer.step()  # copies revision 2 and keeps its mark in memory
    assert await log.pending.mark("s1") == 0

    # One round with nothing to move is the gap after a full batch while writes go on: no mark writes.
    assert not await sequencer.step()
    assert await log.pending.mark("s1") == 0
    assert not await sequencer.step()  # a second one: a holder stopped now has less to store
    assert await log.pending.mark("s1") == 2


async def test_retention_prunes_at_most_hourly(
    store: SessionStore, log: ChangeLogStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On FerretDB a prune decodes all of `changes`: once an hour is enough for a retention in days."""
    await create(store, "s0")
    sequencer = Sequencer(log, CONFIG, owner="me", prune=True)
    started = utc_now()
    await sequencer.step()  # a first round prunes at once
    await log.changes.update_many({}, {"$set": {"at": started - timedelta(days=31)}})

    monkeypatch.setattr(sequencer_module, "utc_now", lambda: started + timedelta(minutes=5))
    await sequencer.step()
    assert await log.changes.count_documents({}) == 1

    monkeypatch.setattr(sequencer_module, "utc_now", lambda: started + timedelta(minutes=61))
    await sequencer.step()
    assert await log.changes.count_documents({}) == 0


async def test_a_holder_taking_over_from_a_dead_one_numbers_each_session_in_order_once(
    store: SessionStore, log: ChangeLogStore
) -> None:
    """The dead holder's marks were never stored, so the new one's first round copies again what it
    numbered, ahead of what it did not: more than FerretDB 1.24 inserts in one batch (it goes on with
    the next batch of an ordered insert after a duplicate in the first)."""
    sessions = [f"s{number:02}" for number in range(30)]
    for session_id in sessions:
        await create(store, session_id)
    dead = Sequencer(log, CONFIG, owner="dead")
    for number in range(2):
        for session_id in sessions:
            await blind_update(store, session_id, f"numbered {number}")
        assert await dead.step()
    assert await log.pending.all_marks() == {}  # fewer than STORED_EVERY revisions ahead: not stored
    for number in range(3):
        for session_id in sessions:
            await blind_update(store, session_id, f"pending {number}")
    assert dead.held is not None
    await log.release(dead.held, now=utc_now())  # as its lease runs out

    heir = Sequencer(ChangeLogStore(store.db), CONFIG, owner="heir")
    while await heir.step():
        pass
    for session_id in sessions:
        await blind_update(store, session_id, "after")
    while await heir.step():
        pass

    assert heir.held is not None and heir.held.generation == dead.held.generation + 1  # never lost
    events, _, committed = await log.page(after=None, first=1000)
    assert [event.sequence for event in events] == list(range(1, len(sessions) * 7 + 1))
    assert committed == len(events)
    by_session: dict[str, list[int | None]] = {session_id: [] for session_id in sessions}
    for event in events:
        by_session[event.session_id].append(event.revision)
    assert all(revisions == list(range(1, 8)) for revisions in by_session.values()), by_session


async def test_a_round_that_outlasts_its_lease_numbers_nothing_once_another_holds_it(
    store: SessionStore, log: ChangeLogStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first scan of many sessions can take longer than the lease: two holders numbering at once
    could number one session's events out of order, so the slow one checks its lease before inserting."""
    clock = [utc_now()]
    monkeypatch.setattr(sequencer_module, "utc_now", lambda: clock[0])
    await create(store, "s1")
    slow = Sequencer(log, CONFIG, owner="slow")
    assert await slow.step()
    await blind_update(store, "s1", "during the slow round")
    took = log.pending.take

    async def take_slowly(limit: int) -> list[dict[str, Any]]:
        taken = await took(limit)
        clock[0] += CONFIG.lease + timedelta(seconds=1)  # the lease ran out meanwhile…
        assert await log.acquire("other", now=clock[0], lease=CONFIG.lease)  # …and another took it
        return taken

    monkeypatch.setattr(log.pending, "take", take_slowly)
    with pytest.raises(LostLease):
        await slow.step()

    assert await log.changes.count_documents({}) == 1 and await log.committed() == 1
    assert await log.pending.hints.count_documents({"_id": "s1"}) == 1  # left for the new holder
