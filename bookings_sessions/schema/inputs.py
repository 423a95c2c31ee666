"""GraphQL input types. Optional input fields default to UNSET so "absent" and "null" stay distinct."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from enum import Enum
from typing import Any

import strawberry

from ..domain.conflicts import ConflictPolicy
from ..domain.values import EditScope, Transparency
from .types import (
    LocationTypeEnum,
    RecurrenceTypeEnum,
    SessionStatusEnum,
    SessionTypeEnum,
    TransparencyEnum,
)


@strawberry.input
class LocalDateTimeInput:
    year: int
    month_of_year: int
    day_of_month: int
    hour_of_day: int = 0
    minutes_of_hour: int = 0


ACCEPTED_DATES = (
    "Accepted: instants from 1900-01-01T00:00Z to 2999-12-31T23:59Z whose wall time in the zone is in "
    "that range too; else BAD_USER_INPUT."
)


@strawberry.input(
    description="Give `timestamp` or `localDateTime`; without `timeZone` (an IANA zone such as "
    f"`Europe/Paris`), the business zone. {ACCEPTED_DATES}"
)
class CalendarDateTimeInput:
    timestamp: datetime | None = strawberry.UNSET
    local_date_time: LocalDateTimeInput | None = strawberry.UNSET
    time_zone: str | None = strawberry.UNSET


@strawberry.input
class ParticipantInput:
    id: str | None = strawberry.UNSET
    name: str | None = strawberry.UNSET
    email: str | None = strawberry.UNSET
    phone: str | None = strawberry.UNSET
    party_size: int | None = strawberry.UNSET


@strawberry.input
class LocationInput:
    type: LocationTypeEnum  # type: ignore[valid-type]
    name: str | None = strawberry.UNSET
    address: str | None = strawberry.UNSET


@strawberry.input
class LinkedScheduleInput:
    schedule_id: str
    transparency: TransparencyEnum = Transparency.BUSY  # type: ignore[valid-type]


ALL_DAY = (
    "Whole days: start and end at midnight in the session's zone, end the day after the last day (at most "
    "366 days; one day per occurrence of a recurring session). Default false."
)


@strawberry.input(description="A new session; with `recurrence` it is a recurring session (series).")
class CreateSessionInfo:
    schedule_id: str
    start: CalendarDateTimeInput
    end: CalendarDateTimeInput
    schedule_owner_id: str | None = strawberry.UNSET
    tags: list[str] | None = strawberry.UNSET
    notes: str | None = strawberry.UNSET
    type: SessionTypeEnum | None = strawberry.UNSET  # type: ignore[valid-type]
    recurrence: str | None = strawberry.UNSET
    participants: list[ParticipantInput] | None = strawberry.UNSET
    title: str | None = strawberry.UNSET
    location: LocationInput | None = strawberry.UNSET
    capacity: int | None = strawberry.UNSET
    affected_schedules: list[LinkedScheduleInput] | None = strawberry.UNSET
    time_reserved_after: int | None = strawberry.UNSET
    all_day: bool | None = strawberry.field(default=strawberry.UNSET, description=ALL_DAY)


@strawberry.input(
    description="Only the fields given change. A given array replaces the stored one; null clears a field."
)
class UpdateSessionInfo:
    schedule_id: str | None = strawberry.UNSET
    schedule_owner_id: str | None = strawberry.UNSET
    tags: list[str] | None = strawberry.UNSET
    notes: str | None = strawberry.UNSET
    status: SessionStatusEnum | None = strawberry.UNSET  # type: ignore[valid-type]
    type: SessionTypeEnum | None = strawberry.UNSET  # type: ignore[valid-type]
    recurrence: str | None = strawberry.UNSET
    start: CalendarDateTimeInput | None = strawberry.UNSET
    end: CalendarDateTimeInput | None = strawberry.UNSET
    participants: list[ParticipantInput] | None = strawberry.UNSET
    title: str | None = strawberry.UNSET
    location: LocationInput | None = strawberry.UNSET
    capacity: int | None = strawberry.UNSET
    affected_schedules: list[LinkedScheduleInput] | None = strawberry.UNSET
    time_reserved_after: int | None = strawberry.UNSET
    all_day: bool | None = strawberry.field(default=strawberry.UNSET, description=ALL_DAY)


@strawberry.input
class ParticipantNotificationInput:
    notify_participants: bool | None = strawberry.UNSET
    message: str | None = strawberry.UNSET


EditScopeEnum = strawberry.enum(
    EditScope,
    name="EditScope",
    description="For an instance id: THIS occurrence (default), THIS_AND_FOLLOWING (splits the "
    "recurring session there), or ALL (the recurring session). For a recurring session's id only ALL.",
)
SCOPE = "Which occurrences change; see EditScope. Default: THIS for an instance, ALL for a recurring session."

EXPECTED_REVISION = (
    "The revision last read; if the session has moved on since, CONFLICT with extensions.currentRevision."
)


ConflictPolicyEnum = strawberry.enum(
    ConflictPolicy,
    name="ConflictPolicy",
    description="ALLOW: double bookings are written. REFUSE: a write whose session (or an occurrence of the "
    "recurring session, within a year) overlaps busy time of its schedule or of a schedule it marks BUSY "
    "fails with SCHEDULE_CONFLICT, listing them in extensions.conflicts.",
)
CONFLICTS = "Double bookings; default: the deployment's CONFLICT_POLICY (ALLOW unless set)."


@strawberry.input
class CreateSessionOptions:
    conflicts: ConflictPolicyEnum | None = strawberry.field(default=strawberry.UNSET, description=CONFLICTS)  # type: ignore[valid-type]


@strawberry.input
class UpdateSessionOptions:
    suppress_auth: bool | None = strawberry.field(
        default=False, description="Skip the admin check. Honoured only for SERVICE callers."
    )
    participant_notification: ParticipantNotificationInput | None = strawberry.UNSET
    expected_revision: int | None = strawberry.field(default=strawberry.UNSET, description=EXPECTED_REVISION)
    scope: EditScopeEnum | None = strawberry.field(default=strawberry.UNSET, description=SCOPE)  # type: ignore[valid-type]
    conflicts: ConflictPolicyEnum | None = strawberry.field(default=strawberry.UNSET, description=CONFLICTS)  # type: ignore[valid-type]


@strawberry.input
class DeleteSessionOptions:
    suppress_auth: bool | None = False
    participant_notification: ParticipantNotificationInput | None = strawberry.UNSET
    expected_revision: int | None = strawberry.field(default=strawberry.UNSET, description=EXPECTED_REVISION)
    scope: EditScopeEnum | None = strawberry.field(default=strawberry.UNSET, description=SCOPE)  # type: ignore[valid-type]


@strawberry.input(description="Sessions matching every given field; `tags`: having all of them.")
class SessionFilterInput:
    schedule_id: str | None = strawberry.UNSET
    schedule_owner_id: str | None = strawberry.UNSET
    type: SessionTypeEnum | None = strawberry.UNSET  # type: ignore[valid-type]
    status: SessionStatusEnum | None = strawberry.UNSET  # type: ignore[valid-type]
    tags: list[str] | None = strawberry.UNSET
    schedule_ids: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description="Sessions on any of these schedules."
    )
    recurring_session_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="One recurring session's instances (needs expandInstances)."
    )
    tags_any: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description="Sessions having at least one of these tags."
    )
    recurrence_types: list[RecurrenceTypeEnum] | None = strawberry.UNSET  # type: ignore[valid-type]


@strawberry.input(
    description="Sessions overlapping the window: ending after `from`, starting before `to`. Both within "
    "1900-01-01T00:00Z to 2999-12-31T23:59Z; else BAD_USER_INPUT."
)
class TimeWindow:
    from_: datetime = strawberry.field(name="from")
    to: datetime


def given_fields(value: Any) -> Any:
    """A strawberry input as plain data: UNSET fields left out, explicit nulls kept, enums as values."""
    if isinstance(value, list):
        return [given_fields(item) for item in value]
    if isinstance(value, Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            item.name: given_fields(getattr(value, item.name))
            for item in dataclasses.fields(value)
            if getattr(value, item.name) is not strawberry.UNSET
        }
    return value
