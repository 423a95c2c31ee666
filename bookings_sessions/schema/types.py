"""GraphQL output types: `Session`, `CalendarDateTime`, `LocalDateTime`, `Participant`, enums."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.types import Info

from ..domain.callers import SENSITIVE_READERS
from ..domain.model import SessionStatus, SessionType
from .directives import requires_role

SessionStatusEnum = strawberry.enum(SessionStatus, name="SessionStatus")
SessionTypeEnum = strawberry.enum(SessionType, name="SessionType")


@strawberry.type(description="A wall-clock time, without a zone.")
class LocalDateTime:
    year: int
    month_of_year: int
    day_of_month: int
    hour_of_day: int
    minutes_of_hour: int


@strawberry.type(description="A session time: the UTC instant, and the wall time in the session's zone.")
class CalendarDateTime:
    timestamp: datetime
    local_date_time: LocalDateTime
    time_zone: str


@strawberry.type(description="Someone booked into the session. Contact details: staff, admins, services.")
class Participant:
    id: str | None
    name: str | None
    email: str | None
    phone: str | None
    party_size: int


@strawberry.federation.type(keys=["_id"], description="A session on a schedule.")
class Session:
    id: strawberry.ID = strawberry.field(name="_id", description="Session ID.")
    schedule_id: str
    schedule_owner_id: str | None
    tags: list[str]
    status: SessionStatusEnum  # type: ignore[valid-type]
    type: SessionTypeEnum  # type: ignore[valid-type]
    recurrence: str | None = strawberry.field(
        description="RRULE of a recurring session; empty for instances and single sessions."
    )
    recurring_session_id: strawberry.ID | None
    instance_of_recurrence: str | None = strawberry.field(
        description="The series' RRULE when this session is an instance of it."
    )
    start: CalendarDateTime
    end: CalendarDateTime
    revision: int
    created_date: datetime
    updated_date: datetime
    # Sensitive fields: the resolver reads them from the hidden domain object.
    notes: str | None = strawberry.field(extensions=[requires_role(*SENSITIVE_READERS)])
    participants: list[Participant] | None = strawberry.field(extensions=[requires_role(*SENSITIVE_READERS)])
    total_number_of_participants: int

    @classmethod
    def resolve_reference(cls, info: Info[Any, Any], **representation: Any) -> Any:
        from ..resolvers.federation import resolve_session_reference

        return resolve_session_reference(info, representation)


@strawberry.type
class SessionEdge:
    cursor: str
    node: Session


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type(description="A page of sessions, sorted by start then id.")
class SessionConnection:
    edges: list[SessionEdge]
    page_info: PageInfo
