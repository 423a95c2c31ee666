"""Mapping between strawberry objects and domain objects; no rules live here."""

from __future__ import annotations

import dataclasses
from enum import Enum
from typing import Any

import strawberry

from ..domain.listing import encode_cursor
from ..domain.model import Participant as DomainParticipant
from ..domain.model import Session as DomainSession
from ..domain.timezones import LocalDateTime as DomainLocal
from ..domain.timezones import SessionTime
from ..schema import types
from .listing import Page


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


def time_out(value: SessionTime) -> types.CalendarDateTime:
    local = DomainLocal.from_naive(value.local)
    return types.CalendarDateTime(
        timestamp=value.utc,
        local_date_time=types.LocalDateTime(
            year=local.year,
            month_of_year=local.month_of_year,
            day_of_month=local.day_of_month,
            hour_of_day=local.hour_of_day,
            minutes_of_hour=local.minutes_of_hour,
        ),
        time_zone=value.zone,
    )


def participant_out(value: DomainParticipant) -> types.Participant:
    return types.Participant(
        id=value.id, name=value.name, email=value.email, phone=value.phone, party_size=value.party_size
    )


def session_out(value: DomainSession) -> types.Session:
    return types.Session(
        id=strawberry.ID(value.id),
        schedule_id=value.schedule_id,
        schedule_owner_id=value.schedule_owner_id,
        tags=list(value.tags),
        notes=value.notes,
        status=value.status,
        type=value.type,
        recurrence=value.recurrence,
        recurring_session_id=(
            None if value.recurring_session_id is None else strawberry.ID(value.recurring_session_id)
        ),
        instance_of_recurrence=value.instance_of_recurrence,
        start=time_out(value.start),
        end=time_out(value.end),
        participants=[participant_out(item) for item in value.participants],
        total_number_of_participants=value.total_number_of_participants,
        revision=value.revision,
        created_date=value.created_date,
        updated_date=value.updated_date,
    )


def connection_out(page: Page) -> types.SessionConnection:
    edges = [types.SessionEdge(cursor=encode_cursor(item), node=session_out(item)) for item in page.sessions]
    return types.SessionConnection(
        edges=edges,
        page_info=types.PageInfo(
            has_next_page=page.has_next_page, end_cursor=edges[-1].cursor if edges else None
        ),
    )
