"""GraphQL output types: `Session`, `CalendarDateTime`, `LocalDateTime`, `Participant`, enums, paging.

Each type owns its mapping from the domain (`from_domain`). Role checks on fields come from the domain's
field table (`protected`), so the SDL's `@requiresRole` and the enforcement cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Generic, Self, TypeVar

import strawberry
from strawberry.types import Info

from ..domain.fields import PROTECTED_FIELDS
from ..domain.global_ids import global_id
from ..domain.model import Session as DomainSession
from ..domain.paging import Page
from ..domain.timezones import SessionTime, wall_time_in
from ..domain.values import LinkedSchedule as DomainLinkedSchedule
from ..domain.values import Location as DomainLocation
from ..domain.values import LocationType, RecurrenceType, SessionStatus, SessionType, Transparency
from ..domain.values import Participant as DomainParticipant
from .directives import requires_role
from .names import graphql_name
from .node import Node

# The type name a session's global id carries (`id`, docs/api.md "Refetching by id").
SESSION_TYPE = "Session"

SessionStatusEnum = strawberry.enum(SessionStatus, name="SessionStatus")
SessionTypeEnum = strawberry.enum(SessionType, name="SessionType")
LocationTypeEnum = strawberry.enum(LocationType, name="LocationType")
TransparencyEnum = strawberry.enum(Transparency, name="Transparency")
RecurrenceTypeEnum = strawberry.enum(RecurrenceType, name="RecurrenceType")


def protected(name: str, **field_options: Any) -> Any:
    """A field readable only by the roles the field table names for `name`."""
    return strawberry.field(extensions=[requires_role(*PROTECTED_FIELDS[name])], **field_options)


@strawberry.type(description="A wall-clock time, without a zone.")
class LocalDateTime:
    year: int
    month_of_year: int
    day_of_month: int
    hour_of_day: int
    minutes_of_hour: int

    @classmethod
    def from_naive(cls, value: datetime) -> LocalDateTime:
        # Straight from the datetime (two per session on every read): no domain model in between.
        return cls(
            year=value.year,
            month_of_year=value.month,
            day_of_month=value.day,
            hour_of_day=value.hour,
            minutes_of_hour=value.minute,
        )


# Field metadata naming the attribute that answers a field when it is asked without arguments, so the
# executor's short path (fast/executor.py) may read it like a plain field.
ANSWER_WITHOUT_ARGUMENTS = "answer_without_arguments"


@strawberry.type(description="A session time: the UTC instant, and its wall time (in the session's zone).")
class CalendarDateTime:
    timestamp: datetime
    time_zone: str = strawberry.field(
        description="The session's own zone, as stored; also when localDateTime is asked in another."
    )
    stored_local: strawberry.Private[LocalDateTime]

    @strawberry.field(
        description="The wall time in `timeZone` (an IANA zone, e.g. the viewer's); without it, in the "
        "session's own zone. An unknown zone is BAD_USER_INPUT.",
        metadata={ANSWER_WITHOUT_ARGUMENTS: "stored_local"},
    )
    def local_date_time(self, time_zone: str | None = None) -> LocalDateTime:
        if time_zone is None:
            return self.stored_local
        return LocalDateTime.from_naive(wall_time_in(self.timestamp, time_zone, "time_zone"))

    @classmethod
    def from_domain(cls, value: SessionTime) -> CalendarDateTime:
        return cls(
            timestamp=value.utc, time_zone=value.zone, stored_local=LocalDateTime.from_naive(value.local)
        )


@strawberry.type(description="Someone booked into the session. Contact details: staff, admins, services.")
class Participant:
    id: str | None
    name: str | None
    email: str | None
    phone: str | None
    party_size: int

    @classmethod
    def from_domain(cls, value: DomainParticipant) -> Participant:
        return cls(
            id=value.id, name=value.name, email=value.email, phone=value.phone, party_size=value.party_size
        )


@strawberry.type(description="Where a session takes place. Personal data: staff, admins, services.")
class Location:
    type: LocationTypeEnum  # type: ignore[valid-type]
    name: str | None
    address: str | None

    @classmethod
    def from_domain(cls, value: DomainLocation) -> Location:
        return cls(type=value.type, name=value.name, address=value.address)


@strawberry.type(description="Another schedule the session affects; BUSY blocks it while the session runs.")
class LinkedSchedule:
    schedule_id: str
    transparency: TransparencyEnum  # type: ignore[valid-type]

    @classmethod
    def from_domain(cls, value: DomainLinkedSchedule) -> LinkedSchedule:
        return cls(schedule_id=value.schedule_id, transparency=value.transparency)


@strawberry.federation.type(keys=["_id"], description="A session on a schedule.")
class Session(Node):
    session_id: strawberry.ID = strawberry.field(name="_id", description="Session ID.")
    schedule_id: str
    schedule_owner_id: str | None
    title: str | None
    capacity: int | None
    remaining_capacity: int | None = strawberry.field(
        description="capacity minus totalNumberOfParticipants; null without a capacity."
    )
    affected_schedules: list[LinkedSchedule]
    time_reserved_after: int | None = strawberry.field(description="Minutes of buffer after the end.")
    ical_uid: str | None = strawberry.field(
        description="The UID of the iCalendar event it was imported from (`importCalendar`); else null."
    )
    tags: list[str]
    status: SessionStatusEnum  # type: ignore[valid-type]
    type: SessionTypeEnum  # type: ignore[valid-type]
    recurrence: str | None = strawberry.field(
        description=(
            "Rule of a recurring session: its RRULE, then any EXDATE and RDATE lines (canonical);"
            " empty for instances and single sessions."
        )
    )
    recurring_session_id: strawberry.ID | None
    instance_of_recurrence: str | None = strawberry.field(
        description="The series' rule (`recurrence`) when this session is an instance of it."
    )
    recurrence_type: RecurrenceTypeEnum  # type: ignore[valid-type]
    all_day: bool = strawberry.field(
        description="Whole days in the session's zone: start and end are midnights, end the day after the "
        "last day."
    )
    original_start: CalendarDateTime | None = strawberry.field(
        description="Instances: where the series puts this occurrence (even if it was moved)."
    )
    inherited_fields: list[str] = strawberry.field(
        description="Instances: the fields still taken from the series; empty for other sessions."
    )
    start: CalendarDateTime
    end: CalendarDateTime
    revision: int
    created_date: datetime
    updated_date: datetime
    notes: str | None = protected("notes")
    participants: list[Participant] | None = protected("participants")
    location: Location | None = protected("location")
    total_number_of_participants: int

    @classmethod
    def from_domain(cls, value: DomainSession) -> Session:
        return cls(
            id=strawberry.ID(global_id(SESSION_TYPE, value.id)),
            session_id=strawberry.ID(value.id),
            schedule_id=value.schedule_id,
            schedule_owner_id=value.schedule_owner_id,
            title=value.title,
            location=None if value.location is None else Location.from_domain(value.location),
            capacity=value.capacity,
            remaining_capacity=value.remaining_capacity,
            affected_schedules=[LinkedSchedule.from_domain(item) for item in value.affected_schedules],
            time_reserved_after=value.time_reserved_after,
            ical_uid=value.ical_uid,
            recurrence_type=value.recurrence_type,
            all_day=value.all_day,
            original_start=(
                None if value.original_start is None else CalendarDateTime.from_domain(value.original_start)
            ),
            inherited_fields=[graphql_name(name) for name in value.inherited_fields],
            tags=list(value.tags),
            notes=value.notes,
            status=value.status,
            type=value.type,
            recurrence=value.recurrence,
            recurring_session_id=(
                None if value.recurring_session_id is None else strawberry.ID(value.recurring_session_id)
            ),
            instance_of_recurrence=value.instance_of_recurrence,
            start=CalendarDateTime.from_domain(value.start),
            end=CalendarDateTime.from_domain(value.end),
            participants=[Participant.from_domain(item) for item in value.participants],
            total_number_of_participants=value.total_number_of_participants,
            revision=value.revision,
            created_date=value.created_date,
            updated_date=value.updated_date,
        )

    @classmethod
    async def resolve_reference(cls, info: Info[Any, Any], **representation: Any) -> Session | None:
        """Federation: many references, one database round trip per request tick (DataLoader)."""
        found = await info.context.session_loader.load(str(representation.get("_id", "")))
        return None if found is None else cls.from_domain(found)


@strawberry.type(
    description="Where a page starts and ends, and whether more follow or precede (GraphQL Cursor "
    "Connections)."
)
class PageInfo:
    has_next_page: bool = strawberry.field(
        description="More items follow; paging backwards (`last`) it may be false though some do."
    )
    has_previous_page: bool = strawberry.field(
        description="Paging backwards (`last`): more items precede. Paging forwards it is false."
    )
    start_cursor: str | None = strawberry.field(description="Pass as `before` for the page before.")
    end_cursor: str | None = strawberry.field(description="Pass as `after` for the next page.")

    @classmethod
    def from_page(cls, page: Page[Any]) -> PageInfo:
        return cls(
            has_next_page=page.has_next_page,
            has_previous_page=page.has_previous_page,
            start_cursor=page.start_cursor,
            end_cursor=page.end_cursor,
        )


Item = TypeVar("Item")
Shown = TypeVar("Shown")


@strawberry.type
class Edge(Generic[Shown]):
    cursor: str
    node: Shown


@strawberry.type
class Connection(Generic[Shown]):
    """The Relay shape every paged field shares: edges with cursors, and where the page ends."""

    edges: list[Edge[Shown]]
    page_info: PageInfo

    @classmethod
    def of(cls, page: Page[Item], node: Callable[[Item], Shown]) -> Self:
        edges = [
            Edge(cursor=cursor, node=node(item))
            for item, cursor in zip(page.items, page.cursors, strict=True)
        ]
        return cls(edges=edges, page_info=PageInfo.from_page(page))


@strawberry.type(description="A page of sessions, sorted by start then id.")
class SessionConnection(Connection[Session]):
    pass
