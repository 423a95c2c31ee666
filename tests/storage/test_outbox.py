"""The outbox storage on the real FerretDB, with both drivers: moving, claiming, recording, paging."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bookings_sessions.domain.changes import record_change
from bookings_sessions.domain.commands import NotificationRequest
from bookings_sessions.domain.notifications import NotificationStatus, outbox_entries
from bookings_sessions.domain.values import Participant
from bookings_sessions.storage import splits as split_writes
from bookings_sessions.storage.client import close_client, create_client
from bookings_sessions.storage.documents import outbox_entry_to_doc
from bookings_sessions.storage.ferretdb import EmbeddedFerretDB
from bookings_sessions.storage.outbox import OutboxStore
from bookings_sessions.storage.store import SessionStore
from tests.support.domain import make_series, make_session

T0 = datetime(2026, 3, 1, 12, 0, 0, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)
NOTIFY = NotificationRequest(notify_participants=True, message="See you there")


ADA = Participant(id="p1", name="Ada", email="ada@example.com", party_size=2)


async def notify_update(
    store: SessionStore, session_id: str, changes: dict[str, Any], now: datetime = T0
) -> dict[str, Any]:
    """What `updateSession(..., notifyParticipants: true)` writes: the change and its entry, together."""
    current = await store.load(session_id)
    assert current is not None
    [entry] = outbox_entries(current, changes, NOTIFY, change_kind="UPDATED", now=now)
    assert await store.patch(session_id, current.revision, changes, now=now, outbox=[entry]) is not None
    return outbox_entry_to_doc(entry)


async def raw_outbox(store: SessionStore, session_id: str) -> list[dict[str, Any]]:
    doc = await store.sessions.find_one({"_id": session_id})
    assert doc is not None
    entries: list[dict[str, Any]] = doc.get("outbox", [])
    return entries


async def test_the_entry_is_written_with_the_change_then_moved_once(store: SessionStore) -> None:
    outbox = OutboxStore(store.db)
    await outbox.ensure_indexes(await store.capabilities())
    await store.insert(make_session("s1", now=T0, participants=(ADA,)))
    entry = await notify_update(store, "s1", {"notes": "changed"})

    assert [item["id"] for item in await raw_outbox(store, "s1")] == [entry["id"]]
    assert (await store.load("s1")).notes == "changed"  # type: ignore[union-attr]

    assert await outbox.move_outbox(limit=10) == 1
    assert len(await raw_outbox(store, "s1")) == 1  # only read: how far it got is its mark
    assert await outbox.pending.mark("s1") == 2
    moved = await outbox.get(entry["id"])
    assert moved is not None
    assert (moved.session_id, moved.kind, moved.message, moved.status) == (
        "s1",
        "UPDATED",
        NOTIFY.message,
        "PENDING",
    )
    assert [(r.id, r.email, r.party_size) for r in moved.recipients] == [("p1", "ada@example.com", 2)]
    assert moved.created_date == T0
    assert moved.attempts == 0

    assert await outbox.move_outbox(limit=10) == 0
    assert await outbox.notifications.count_documents({}) == 1


async def test_a_crash_between_insert_and_mark_neither_loses_nor_doubles(store: SessionStore) -> None:
    outbox = OutboxStore(store.db)
    await store.insert(make_session("s1", now=T0, participants=(ADA,)))
    first = await notify_update(store, "s1", {"notes": "one"})
    second = await notify_update(store, "s1", {"notes": "two"})
    # As if a dispatcher inserted the first entry and died before raising the session's mark.
    await outbox.notifications.insert_one({**(await outbox_doc(store, "s1", first["id"])), "attempts": 0})

    assert await outbox.move_outbox(limit=10) == 1  # only the second is new

    assert await outbox.pending.mark("s1") == 3
    ids = sorted(doc["_id"] for doc in await outbox.notifications.find({}).to_list(length=None))
    assert ids == sorted([first["id"], second["id"]])


async def outbox_doc(store: SessionStore, session_id: str, entry_id: str) -> dict[str, Any]:
    from bookings_sessions.storage.outbox import notification_doc

    [entry] = [item for item in await raw_outbox(store, session_id) if item["id"] == entry_id]
    return notification_doc(entry)


async def test_the_ferretdb_facts_the_writers_rely_on(store: SessionStore) -> None:
    """Why writers trim their arrays themselves (storage/pending.py): FerretDB 1.24 silently ignores
    `$slice` in `$push`; a filter on an array position (`outbox.1` exists) works, so a write can ask
    for room."""
    await store.sessions.insert_one({"_id": "s1", "outbox": [1, 2]})
    await store.sessions.update_one({"_id": "s1"}, {"$push": {"outbox": {"$each": [3], "$slice": -2}}})
    assert await raw_outbox(store, "s1") == [1, 2, 3]

    assert await store.sessions.find_one({"_id": "s1", "outbox.2": {"$exists": True}}) is not None
    assert await store.sessions.find_one({"_id": "s1", "outbox.3": {"$exists": True}}) is None


async def pending(outbox: OutboxStore, store: SessionStore, count: int, now: datetime = T0) -> list[str]:
    ids = []
    for number in range(count):
        await store.insert(make_session(f"s{number}", now=T0, participants=(ADA,)))
        ids.append((await notify_update(store, f"s{number}", {"notes": "x"}, now=now))["id"])
    await outbox.move_outbox(limit=100)
    return ids


async def test_claim_is_exclusive_until_the_lease_runs_out(store: SessionStore) -> None:
    outbox = OutboxStore(store.db)
    [nid] = await pending(outbox, store, 1)
    [seen] = await outbox.due(T0, limit=10)

    mine = await outbox.claim(seen, owner="a", now=T0, lease=LEASE)
    assert mine is not None and mine.lease_generation == 1
    assert await outbox.claim(seen, owner="b", now=T0, lease=LEASE) is None  # same generation: taken
    assert await outbox.due(T0 + LEASE - timedelta(seconds=1), limit=10) == []  # leased: not due

    # "a" died holding the lease; once it runs out, "b" takes over with the next generation.
    later = T0 + LEASE
    [stale] = await outbox.due(later, limit=10)
    theirs = await outbox.claim(stale, owner="b", now=later, lease=LEASE)
    assert theirs is not None and theirs.lease_generation == 2
    doc = await outbox.notifications.find_one({"_id": nid})
    assert doc is not None and doc["leaseOwner"] == "b"

    # "a" coming back late changes nothing: its writes are fenced by the generation.
    await outbox.record_sent(mine, now=later)
    assert (await outbox.get(nid)).status == "PENDING"  # type: ignore[union-attr]
    await outbox.record_sent(theirs, now=later)
    assert (await outbox.get(nid)).status == "SENT"  # type: ignore[union-attr]
    assert await outbox.claims.count_documents({}) == 0  # claims are cleaned up when done
    assert await outbox.claim(stale, owner="c", now=later, lease=LEASE) is None  # late claimer backs off


async def test_concurrent_claims_from_separate_connections_have_one_winner(
    store: SessionStore, ferretdb: EmbeddedFerretDB, driver: str
) -> None:
    """FerretDB runs find-and-modify as an unlocked read-modify-write; the claim must not rely on it."""
    outbox = OutboxStore(store.db)
    await pending(outbox, store, 1)
    [seen] = await outbox.due(T0, limit=10)
    clients = [create_client(ferretdb.uri, driver) for _ in range(6)]  # type: ignore[arg-type]
    try:
        stores = [OutboxStore(client[store.db.name]) for client in clients]
        results = await asyncio.gather(
            *(stores[i % 6].claim(seen, owner=f"d{i}", now=T0, lease=LEASE) for i in range(24))
        )
    finally:
        for client in clients:
            await close_client(client)
    assert sum(result is not None for result in results) == 1


async def test_failures_reschedule_then_fail_and_keep_the_notification(store: SessionStore) -> None:
    outbox = OutboxStore(store.db)
    [nid] = await pending(outbox, store, 1)

    [seen] = await outbox.due(T0, limit=10)
    claimed = await outbox.claim(seen, owner="a", now=T0, lease=LEASE)
    assert claimed is not None
    retry_at = T0 + timedelta(seconds=5)
    await outbox.record_failure(claimed, "HTTP 503: busy", now=T0, retry_at=retry_at)
    assert await outbox.due(T0 + timedelta(seconds=4), limit=10) == []
    [again] = await outbox.due(retry_at, limit=10)
    assert (again.attempts, again.last_error, again.status) == (1, "HTTP 503: busy", "PENDING")

    claimed = await outbox.claim(again, owner="a", now=retry_at, lease=LEASE)
    assert claimed is not None
    await outbox.record_failure(claimed, "x" * 5000, now=retry_at, retry_at=None)
    failed = await outbox.get(nid)
    assert failed is not None
    assert (failed.status, failed.attempts, len(failed.last_error or "")) == ("FAILED", 2, 500)
    assert await outbox.due(T0 + timedelta(days=1), limit=10) == []


async def test_release_makes_it_claimable_at_once(store: SessionStore) -> None:
    outbox = OutboxStore(store.db)
    await pending(outbox, store, 1)
    [seen] = await outbox.due(T0, limit=10)
    claimed = await outbox.claim(seen, owner="a", now=T0, lease=LEASE)
    assert claimed is not None

    await outbox.release(claimed, now=T0)

    [free] = await outbox.due(T0, limit=10)
    assert free.attempts == 0
    assert await outbox.claim(free, owner="b", now=T0, lease=LEASE) is not None


async def test_pages_newest_first_filtered_by_session_and_status(store: SessionStore) -> None:
    outbox = OutboxStore(store.db)
    await store.insert(make_session("a", now=T0, participants=(ADA,)))
    await store.insert(make_session("b", now=T0, participants=(ADA,)))
    ids = []
    for minute in range(5):
        ids.append(
            (await notify_update(store, "a", {"notes": f"{minute}"}, T0 + timedelta(minutes=minute)))["id"]
        )
    await notify_update(store, "b", {"notes": "b"}, T0)
    await outbox.move_outbox(limit=10)

    seen: list[str] = []
    after = None
    while True:
        page, more = await outbox.page(session_id="a", status=None, first=2, after=after)
        seen += [item.id for item in page]
        if not more:
            break
        after = (page[-1].created_date, page[-1].id)
    assert seen == list(reversed(ids))

    # Two notifications share T0 (one per session): the id breaks the tie, so none is skipped.
    one_by_one: list[str] = []
    after = None
    for _ in range(10):
        page, more = await outbox.page(session_id=None, status=None, first=1, after=after)
        one_by_one += [item.id for item in page]
        if not more:
            break
        after = (page[-1].created_date, page[-1].id)
    assert len(one_by_one) == len(set(one_by_one)) == 6

    everything, more = await outbox.page(
        session_id=None, status=NotificationStatus.PENDING, first=10, after=None
    )
    assert len(everything) == 6 and not more
    assert (await outbox.page(session_id=None, status=NotificationStatus.SENT, first=10, after=None))[0] == []


async def test_a_dispatcher_never_undoes_a_write_made_through_another_client(
    ferretdb: EmbeddedFerretDB, store: SessionStore
) -> None:
    """Two processes on FerretDB (see tests/storage/test_changes.py for the change log): writes with
    notifications through one client while a dispatcher on another copies them; it only reads
    session documents, so no write or notification is lost."""
    outbox = OutboxStore(store.db)
    await outbox.ensure_indexes(await store.capabilities())
    sessions = [f"s{number}" for number in range(4)]
    for session_id in sessions:
        await store.insert(make_session(session_id, now=T0, participants=(ADA,)))
    client: Any = create_client(ferretdb.uri, "pymongo")
    other = SessionStore(client, store.db.name)  # its own connection, no lock shared with the mover
    writes = 20

    async def hammer(session_id: str) -> list[str]:
        return [(await notify_update(other, session_id, {"notes": f"n{n}"}))["id"] for n in range(writes)]

    async def move_until(done: asyncio.Event) -> None:
        while not done.is_set():
            await outbox.move_outbox(limit=10)
            await asyncio.sleep(0.005)

    done = asyncio.Event()
    mover = asyncio.create_task(move_until(done))
    try:
        written = await asyncio.gather(*(hammer(session_id) for session_id in sessions))
    finally:
        done.set()
        await mover
        await close_client(client)
    await outbox.move_outbox(limit=10)

    for session_id in sessions:
        doc = await store.sessions.find_one({"_id": session_id})
        assert doc is not None and doc["revision"] == writes + 1, f"a write to {session_id} was undone"
    ids = sorted(doc["_id"] for doc in await outbox.notifications.find({}, {"_id": 1}).to_list(length=None))
    assert ids == sorted(entry for entries in written for entry in entries)


async def test_moving_reads_hinted_sessions_and_only_a_scan_finds_a_missing_hint(store: SessionStore) -> None:
    outbox = OutboxStore(store.db)
    await store.insert(make_session("s1", now=T0, participants=(ADA,)))
    await store.insert(make_session("s2", now=T0, participants=(ADA,)))
    first = await notify_update(store, "s1", {"notes": "one"})
    lost = await notify_update(store, "s2", {"notes": "two"})
    # The writer of s2 died between its write and its hint.
    await outbox.pending.hints.delete_one({"_id": "s2"})

    assert await outbox.move_outbox(limit=10) == 1
    assert await outbox.get(first["id"]) is not None and await outbox.get(lost["id"]) is None
    assert await outbox.move_outbox(limit=10, scan=True) == 1
    assert await outbox.get(lost["id"]) is not None


async def test_a_finished_split_releases_its_notification_stamped_for_the_dispatchers_mark(
    store: SessionStore,
) -> None:
    outbox = OutboxStore(store.db)
    await outbox.ensure_indexes(await store.capabilities())
    original = make_series(date(2030, 1, 7), "FREQ=WEEKLY;BYDAY=MO", session_id="series-1")
    await store.insert_series(original)
    tail = make_series(
        date(2030, 2, 4), "FREQ=WEEKLY;BYDAY=MO", session_id="series-1-tail", participants=(ADA,)
    )
    [entry] = outbox_entries(tail.as_session(), {"notes": "x"}, NOTIFY, change_kind="UPDATED", now=T0)
    created = record_change(
        session_id=tail.id, changed={}, now=T0, revision=tail.revision, schedule_id=None, created=True
    )
    await split_writes.put_pending(store, tail, original.id, [], [entry], created)
    assert await store.replace_series(original, original.revision, split_into=tail.id)  # the commit
    assert await split_writes.finish(store, tail.id)

    assert [item.get("revision") for item in await raw_outbox(store, tail.id)] == [tail.revision]
    assert await outbox.move_outbox(limit=10) == 1  # from the hint finishing it left
    assert await outbox.pending.mark(tail.id) == tail.revision  # copied: the next writes may trim it
