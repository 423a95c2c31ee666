"""SessionStore against the real FerretDB, with both drivers (the `store` fixture is parametrized)."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bookings_sessions.domain.errors import Conflict, Unavailable
from bookings_sessions.domain.listing import SessionFilter
from bookings_sessions.domain.model import Session
from bookings_sessions.domain.notifications import Notification, NotificationKind
from bookings_sessions.domain.timezones import SessionTime
from bookings_sessions.domain.values import Participant, SessionStatus
from bookings_sessions.storage.client import create_client
from bookings_sessions.storage.documents import outbox_entry_to_doc
from bookings_sessions.storage.ferretdb import free_loopback_port
from bookings_sessions.storage.store import SessionStore
from tests.support.domain import CREATED, make_session, session_time

# BSON dates hold milliseconds: the values used here are exact at that precision.
LATER = CREATED + timedelta(hours=1, milliseconds=5)


async def raw(store: SessionStore, session_id: str) -> dict[str, Any]:
    doc: dict[str, Any] | None = await store.sessions.find_one({"_id": session_id})
    assert doc is not None
    return doc


async def test_insert_then_get_round_trips_every_field(store: SessionStore) -> None:
    session = make_session()
    await store.insert(session)
    assert await store.load("s1") == session


async def test_minimal_session_round_trips(store: SessionStore) -> None:
    session = make_session(schedule_owner_id=None, notes=None, tags=(), participants=())
    await store.insert(session)
    assert await store.load("s1") == session
    assert set(await raw(store, "s1")).isdisjoint({"notes", "scheduleOwnerId"})


async def test_times_are_stored_as_utc_local_and_zone(store: SessionStore) -> None:
    await store.insert(make_session())
    doc = await raw(store, "s1")
    assert doc["start"] == {
        "utc": datetime(2026, 6, 15, 9, 0, tzinfo=UTC),
        "local": "2026-06-15T10:00",
        "zone": "Europe/London",
    }
    assert doc["revision"] == 1


async def test_unknown_id_is_none(store: SessionStore) -> None:
    assert await store.load("nope") is None


async def test_inserting_an_existing_id_is_a_conflict(store: SessionStore) -> None:
    await store.insert(make_session())
    with pytest.raises(Conflict):
        await store.insert(make_session(notes="other"))
    assert (await store.load("s1")) == make_session()


async def test_patch_sets_unsets_and_bumps_revision(store: SessionStore) -> None:
    await store.insert(make_session())
    updated = await store.patch(
        "s1", 1, {"notes": None, "tags": ("ONLY",), "status": SessionStatus.CANCELLED}, now=LATER
    )
    assert updated is not None
    assert updated == make_session(
        notes=None, tags=("ONLY",), status=SessionStatus.CANCELLED, revision=2, updated_date=LATER
    )
    doc = await raw(store, "s1")
    assert "notes" not in doc  # $unset, not a stored null
    assert doc["tags"] == ["ONLY"]
    assert doc["status"] == "CANCELLED"
    assert doc["createdDate"] == CREATED
    assert await store.load("s1") == updated


async def test_patch_writes_times_and_participants_as_documents(store: SessionStore) -> None:
    await store.insert(make_session())
    updated = await store.patch(
        "s1",
        1,
        {"start": session_time(datetime(2026, 6, 15, 12), "UTC"), "participants": (Participant(name="Bob"),)},
        now=LATER,
    )
    assert updated is not None
    doc = await raw(store, "s1")
    assert doc["start"]["zone"] == "UTC"
    assert doc["participants"] == [{"id": None, "name": "Bob", "email": None, "phone": None, "partySize": 1}]
    assert updated.participants == (Participant(name="Bob"),)


async def test_patch_leaves_unchanged_fields_alone(store: SessionStore) -> None:
    await store.insert(make_session())
    before = await raw(store, "s1")
    await store.patch("s1", 1, {"notes": "x"}, now=LATER)
    after = await raw(store, "s1")
    changed = {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}
    assert changed == {"notes", "revision", "updatedDate"}


async def test_empty_patch_still_counts_as_a_write(store: SessionStore) -> None:
    # The use cases skip writing when nothing changed; the store itself always bumps the revision.
    await store.insert(make_session())
    updated = await store.patch("s1", 1, {}, now=LATER)
    assert updated is not None and updated.revision == 2


async def test_stale_revision_writes_nothing(store: SessionStore) -> None:
    await store.insert(make_session())
    assert await store.patch("s1", 1, {"notes": "first"}, now=LATER) is not None
    before = await raw(store, "s1")

    assert await store.patch("s1", 1, {"notes": "stale"}, now=LATER + timedelta(seconds=1)) is None
    assert await raw(store, "s1") == before


async def test_patching_an_unknown_id_writes_nothing(store: SessionStore) -> None:
    assert await store.patch("nope", 1, {"notes": "x"}, now=LATER) is None
    assert await store.sessions.count_documents({}) == 0


async def test_outbox_rides_in_the_same_write_and_is_not_read_back(store: SessionStore) -> None:
    await store.insert(make_session())
    entry = Notification(id="n1", session_id="s1", kind=NotificationKind.UPDATED, created_date=LATER)
    updated = await store.patch("s1", 1, {"notes": "x"}, now=LATER, outbox=[entry])
    assert updated is not None and updated.notes == "x"
    # Stamped with the revision the write gave: the dispatcher's mark (storage/pending.py).
    stamped = outbox_entry_to_doc(entry) | {"revision": 2}
    assert (await raw(store, "s1"))["outbox"] == [stamped]
    assert await store.patch("s1", 1, {"notes": "y"}, now=LATER, outbox=[entry]) is None
    assert (await raw(store, "s1"))["outbox"] == [stamped]


async def test_get_many_returns_the_known_ids(store: SessionStore) -> None:
    for session_id in ("a", "b", "c"):
        await store.insert(make_session(session_id))
    found = await store.get_many(["c", "a", "missing"])
    assert found == {"a": make_session("a"), "c": make_session("c")}
    assert await store.get_many([]) == {}


async def test_ping_answers(store: SessionStore) -> None:
    await store.ping()


async def test_database_down_is_unavailable(driver: str) -> None:
    # Nothing listens on a port just probed free on the loopback interface.
    uri = f"mongodb://127.0.0.1:{free_loopback_port()}/"
    client: Any = create_client(uri, driver, server_selection_timeout_ms=200)  # type: ignore[arg-type]
    store = SessionStore(client, "unreachable")
    try:
        with pytest.raises(Unavailable) as caught:
            await store.load("s1")
        assert caught.value.code == "UNAVAILABLE"
        assert "127.0.0.1" not in caught.value.message  # short, no driver details
        with pytest.raises(Unavailable):
            await store.insert(make_session())
        with pytest.raises(Unavailable):
            await store.patch("s1", 1, {"notes": "x"}, now=LATER)
        with pytest.raises(Unavailable):
            await store.get_many(["s1"])
        with pytest.raises(Unavailable):
            await store.ping()
    finally:
        closed = client.close()
        if inspect.isawaitable(closed):  # PyMongo's async client closes with a coroutine, motor's does not
            await closed


@pytest.mark.parametrize("year", [1, 999, 1900, 2999, 9999])
async def test_local_times_of_every_year_read_back(store: SessionStore, year: int) -> None:
    # strftime("%Y") does not zero-pad years below 1000: such wall times were stored unreadably.
    moment = SessionTime(
        utc=datetime(year, 3, 4, 5, 6, tzinfo=UTC), local=datetime(year, 3, 4, 5, 6), zone="UTC"
    )
    session = make_session(start=moment, end=moment)
    await store.insert(session)

    assert (await raw(store, "s1"))["start"]["local"] == f"{year:04d}-03-04T05:06"
    assert await store.load("s1") == session


async def _listed(store: SessionStore) -> dict[str, Session]:
    found = await store.find_listed(SessionFilter(), kinds=("single",), window=None, after=None, limit=10)
    return {session.id: session for session in found}


async def test_a_listing_decodes_a_document_again_once_its_stored_bytes_change(store: SessionStore) -> None:
    await store.insert(make_session("s1"))
    await store.insert(make_session("s2", notes="second"))
    first = await _listed(store)
    again = await _listed(store)
    # Unchanged documents: the sessions decoded for the first listing, as they were.
    assert again["s1"] is first["s1"] and again["s2"] is first["s2"]

    await store.patch("s1", 1, {"notes": "changed"}, now=LATER)
    # A write another process made looks the same here: the stored bytes change under the cache.
    await store.sessions.update_one({"_id": "s2"}, {"$set": {"tags": ["ELSEWHERE"]}})
    after = await _listed(store)
    assert after["s1"].notes == "changed" and after["s1"].revision == 2
    assert after["s2"].tags == ("ELSEWHERE",)
    assert after["s2"] == first["s2"].model_copy(update={"tags": ("ELSEWHERE",)})
