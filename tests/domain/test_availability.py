"""Free time as interval arithmetic: free is open time minus busy, slots lie in free, DST-exact grids."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bookings_sessions.domain.availability import (
    Interval,
    Occupation,
    SlotSpec,
    availabilities,
    fitting_slots,
    merge,
    merge_busy,
    occupations,
    overlapping,
    slot_spec,
    slot_starts,
    subtract,
)
from bookings_sessions.domain.errors import BadUserInput
from bookings_sessions.domain.model import Session
from bookings_sessions.domain.values import LinkedSchedule, SessionStatus, SessionType, Transparency
from tests.support.domain import make_session, session_time

BASE = datetime(2030, 1, 7, tzinfo=UTC)
WINDOW = Interval(BASE, BASE + timedelta(minutes=600))


def at(minute: int) -> datetime:
    return BASE + timedelta(minutes=minute)


spans = st.tuples(st.integers(-60, 660), st.integers(1, 180)).map(
    lambda pair: Interval(at(pair[0]), at(pair[0] + pair[1]))
)


def covers(intervals: list[Interval], instant: datetime) -> bool:
    return any(interval.start <= instant < interval.end for interval in intervals)


def disjoint_and_sorted(intervals: list[Interval]) -> bool:
    return all(a.end < b.start for a, b in itertools.pairwise(intervals)) and all(
        i.start < i.end for i in intervals
    )


@settings(deadline=None)
@given(st.lists(spans, max_size=6), st.lists(spans, max_size=8))
def test_free_is_exactly_open_time_minus_busy(hours: list[Interval], blocks: list[Interval]) -> None:
    sessions = [
        make_session(
            f"h{n}",
            schedule_id="room",
            type=SessionType.WORKING_HOURS,
            start=session_time(i.start.replace(tzinfo=None), "UTC"),
            end=session_time(i.end.replace(tzinfo=None), "UTC"),
        )
        for n, i in enumerate(hours)
    ] + [
        make_session(
            f"b{n}",
            schedule_id="room",
            type=SessionType.EVENT,
            time_reserved_after=None,
            affected_schedules=(),
            start=session_time(i.start.replace(tzinfo=None), "UTC"),
            end=session_time(i.end.replace(tzinfo=None), "UTC"),
        )
        for n, i in enumerate(blocks)
    ]
    (result,) = availabilities(["room"], sessions, WINDOW, None, None, {"room"} if hours else set())
    free = list(result.free)
    busy = [Interval(b.start, b.end) for b in result.busy]
    assert disjoint_and_sorted(free) and disjoint_and_sorted(busy)
    for minute in range(-60, 700):
        instant = at(minute)
        in_window = WINDOW.start <= instant < WINDOW.end
        is_open = in_window and (not hours or covers(hours, instant))
        is_busy = in_window and covers(blocks, instant)
        assert covers(free, instant) == (is_open and not is_busy), minute
        assert covers(busy, instant) == is_busy, minute


@settings(deadline=None)
@given(
    st.lists(spans, max_size=8),
    st.integers(1, 120),
    st.integers(5, 90),
    st.sampled_from(["UTC", "Europe/London", "Asia/Kolkata", "America/St_Johns"]),
)
def test_every_slot_lies_inside_free_and_on_the_grid(
    blocks: list[Interval], minutes: int, step: int, zone_name: str
) -> None:
    zone = ZoneInfo(zone_name)
    free = subtract([WINDOW], merge(blocks))
    spec = SlotSpec(minutes=minutes, step_minutes=step, zone=zone)
    starts = slot_starts(WINDOW, spec)
    slots = fitting_slots(free, starts, minutes)
    offered = set(slots)
    for slot in slots:
        assert slot.end - slot.start == timedelta(minutes=minutes)
        assert any(f.start <= slot.start and slot.end <= f.end for f in free), slot
        local = slot.start.astimezone(zone)
        assert (local.hour * 60 + local.minute) % step == 0 and local.second == 0
    # And none is missing: every grid start whose slot fits in free is offered.
    for start in starts:
        fits = any(f.start <= start and start + timedelta(minutes=minutes) <= f.end for f in free)
        assert fits == (Interval(start, start + timedelta(minutes=minutes)) in offered)


def test_a_spring_gap_starts_no_slot_and_a_fall_back_hour_starts_two() -> None:
    zone = ZoneInfo("Europe/London")
    spring = Interval(datetime(2030, 3, 31, 0, 0, tzinfo=UTC), datetime(2030, 3, 31, 3, 0, tzinfo=UTC))
    starts = slot_starts(spring, SlotSpec(minutes=60, step_minutes=60, zone=zone))
    # 00:00 GMT, then 02:00 and 03:00 BST: 01:00 local does not exist that night.
    assert [s.astimezone(zone).hour for s in starts] == [0, 2, 3]
    assert [s.hour for s in starts] == [0, 1, 2]
    autumn = Interval(datetime(2030, 10, 26, 23, 0, tzinfo=UTC), datetime(2030, 10, 27, 3, 0, tzinfo=UTC))
    starts = slot_starts(autumn, SlotSpec(minutes=60, step_minutes=60, zone=zone))
    # 00:00 BST, 01:00 BST, 01:00 GMT, 02:00 GMT: four instants, one hour apart.
    assert [s.hour for s in starts] == [23, 0, 1, 2]
    assert [s.astimezone(zone).hour for s in starts] == [0, 1, 1, 2]


def test_a_step_not_dividing_the_day_restarts_at_local_midnight() -> None:
    window = Interval(datetime(2030, 1, 7, 20, 0, tzinfo=UTC), datetime(2030, 1, 8, 2, 0, tzinfo=UTC))
    starts = slot_starts(window, SlotSpec(minutes=90, step_minutes=420, zone=ZoneInfo("UTC")))
    assert [s.hour for s in starts] == [21, 0]


def test_busy_merges_touching_occupations_and_names_their_sessions() -> None:
    found = [
        Occupation("coach", "a", at(0), at(60)),
        Occupation("coach", "b", at(60), at(90)),
        Occupation("coach", "c", at(200), at(700)),
    ]
    busy = merge_busy(found, WINDOW)
    assert [(b.start, b.end, b.session_ids) for b in busy] == [
        (at(0), at(90), ("a", "b")),
        (at(200), at(600), ("c",)),
    ]


def test_occupations_follow_type_status_transparency_and_buffer() -> None:
    def session(session_id: str, **fields: object) -> Session:
        values: dict[str, object] = {
            "schedule_id": "room",
            "type": SessionType.EVENT,
            "time_reserved_after": 15,
            "affected_schedules": (
                LinkedSchedule(schedule_id="coach", transparency=Transparency.BUSY),
                LinkedSchedule(schedule_id="helper", transparency=Transparency.FREE),
            ),
        }
        return make_session(session_id, **(values | fields))

    plain = session("e")
    found = occupations([plain, session("x", status=SessionStatus.CANCELLED)])
    found += occupations([session("w", type=SessionType.WORKING_HOURS)])
    assert {(o.schedule_id, o.session_id) for o in found} == {("room", "e"), ("coach", "e")}
    assert all(o.end == plain.end.utc + timedelta(minutes=15) for o in found)


def test_conflicts_are_overlaps_on_the_same_schedule_only() -> None:
    wanted = [Occupation("coach", "new", at(30), at(90))]
    existing = [
        Occupation("coach", "a", at(0), at(30)),  # touches: no conflict
        Occupation("coach", "b", at(60), at(120)),
        Occupation("room", "c", at(30), at(90)),
    ]
    assert [o.session_id for o in overlapping(wanted, existing)] == ["b"]


def test_slot_sizes_and_work_are_bounded() -> None:
    with pytest.raises(BadUserInput) as error:
        slot_spec(0, None, ZoneInfo("UTC"))
    assert error.value.field == "minutes"
    with pytest.raises(BadUserInput) as error:
        slot_spec(30, 1441, ZoneInfo("UTC"))
    assert error.value.field == "step_minutes"
    year = Interval(BASE, BASE + timedelta(days=366))
    with pytest.raises(BadUserInput):
        slot_starts(year, SlotSpec(minutes=5, step_minutes=5, zone=ZoneInfo("UTC")))
