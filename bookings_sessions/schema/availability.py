"""`availability`: busy time, free time and free slots of schedules (docs/api.md, Finding free time)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.types import Info

from ..domain.availability import MAX_SCHEDULES, MAX_SLOT_STARTS
from ..domain.availability import BusyInterval as DomainBusyInterval
from ..domain.availability import Interval as DomainInterval
from ..domain.availability import ScheduleAvailability as DomainScheduleAvailability
from ..domain.callers import SENSITIVE_READERS
from ..service.availability import availability
from .inputs import TimeWindow, given_fields


@strawberry.type(description="A span of time, [start, end), as UTC instants.")
class Interval:
    start: datetime
    end: datetime

    @classmethod
    def from_domain(cls, value: DomainInterval) -> Interval:
        return cls(start=value.start, end=value.end)


@strawberry.type(
    description="Busy time and the sessions behind it (ids only; [] for callers without a role)."
)
class BusyInterval:
    start: datetime
    end: datetime
    session_ids: list[strawberry.ID]

    @classmethod
    def from_domain(cls, value: DomainBusyInterval, *, with_ids: bool) -> BusyInterval:
        ids = [strawberry.ID(item) for item in value.session_ids] if with_ids else []
        return cls(start=value.start, end=value.end, session_ids=ids)


@strawberry.type(
    description="One schedule's busy time, free time and (with `slot`) free slots in the window."
)
class ScheduleAvailability:
    schedule_id: str
    busy: list[BusyInterval]
    free: list[Interval] = strawberry.field(
        description="Open time (the schedule's WORKING_HOURS sessions; all of it without any) minus busy."
    )
    slots: list[Interval] = strawberry.field(description="Slots that fit in free time; [] without `slot`.")

    @classmethod
    def from_domain(cls, value: DomainScheduleAvailability, *, with_ids: bool) -> ScheduleAvailability:
        return cls(
            schedule_id=value.schedule_id,
            busy=[BusyInterval.from_domain(item, with_ids=with_ids) for item in value.busy],
            free=[Interval.from_domain(item) for item in value.free],
            slots=[Interval.from_domain(item) for item in value.slots],
        )


@strawberry.input(
    description="Slots of `minutes` (1-1440), starting every `stepMinutes` (default: `minutes`) from local "
    "midnight in `timeZone` (default: the business zone)."
)
class SlotInput:
    minutes: int
    step_minutes: int | None = strawberry.UNSET
    time_zone: str | None = strawberry.UNSET


@strawberry.type
class AvailabilityQuery:
    @strawberry.field(
        description=f"Busy time, free time and free slots of 1 to {MAX_SCHEDULES} schedules in `window` "
        f"(at most one year; at most {MAX_SLOT_STARTS} slot starts). Anyone may ask; session ids only "
        "for staff, admins and services."
    )
    async def availability(
        self,
        info: Info[Any, Any],
        schedule_ids: list[str],
        window: TimeWindow,
        slot: SlotInput | None = None,
    ) -> list[ScheduleAvailability]:
        found = await availability(
            info.context.services,
            schedule_ids,
            (window.from_, window.to),
            None if slot is None else given_fields(slot),
        )
        with_ids = info.context.caller.has_any(SENSITIVE_READERS)
        return [ScheduleAvailability.from_domain(item, with_ids=with_ids) for item in found]
