"""Series and instance-exception documents on the real server: round trips and compare-and-swap."""

from __future__ import annotations

from datetime import date

from bookings_sessions.domain.commands import SessionPatch
from bookings_sessions.domain.series_patch import plan_instance_update, plan_series_update
from bookings_sessions.storage.store import SessionStore
from tests.support.domain import SERIES_CREATED, calendar_time, make_series

UNTIL_APRIL = "FREQ=WEEKLY;BYDAY=MO;UNTIL=20300401T000000Z"


async def test_series_round_trip_and_compare_and_swap(store: SessionStore) -> None:
    series = make_series(
        date(2030, 1, 7), UNTIL_APRIL, zone="Europe/Paris", session_id="series-1", tags=("A",)
    )
    await store.insert_series(series)
    assert await store.load("series-1") == series

    first = plan_series_update(
        series, SessionPatch.from_given({"tags": ("B",)}), business_zone="UTC", now=SERIES_CREATED
    )
    second = plan_series_update(
        series, SessionPatch.from_given({"tags": ("C",)}), business_zone="UTC", now=SERIES_CREATED
    )
    assert first is not None and second is not None
    assert await store.replace_series(first, series.revision)
    # The second planner read the same revision: its write must not land.
    assert not await store.replace_series(second, series.revision)
    assert await store.load("series-1") == first


async def test_instance_exception_insert_then_guarded_replace(store: SessionStore) -> None:
    series = make_series(
        date(2030, 1, 7), UNTIL_APRIL, zone="Europe/Paris", session_id="series-2", tags=("A",)
    )
    await store.insert_series(series)
    day = date(2030, 1, 14)
    moved = plan_instance_update(
        series,
        day,
        None,
        SessionPatch(start=calendar_time(day, 9, zone="Europe/Paris")),
        business_zone="UTC",
        now=SERIES_CREATED,
    )
    assert moved is not None
    assert await store.save_override(moved, None)
    assert not await store.save_override(moved, None)  # a second first-insert loses
    assert await store.get_override(moved.id) == moved

    back = plan_instance_update(
        series,
        day,
        moved,
        SessionPatch(start=calendar_time(day, 10, zone="Europe/Paris")),
        business_zone="UTC",
        now=SERIES_CREATED,
    )
    assert back is not None and back.start is None
    assert not await store.save_override(back, moved.revision + 5)
    assert await store.save_override(back, moved.revision)
    stored = await store.get_override(moved.id)
    assert stored == back
    raw = await store.sessions.find_one({"_id": moved.id})
    assert "start" not in raw and "end" not in raw  # cleared fields are removed, not left stale
