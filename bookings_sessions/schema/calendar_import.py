"""`importCalendar`: an iCalendar file's events as sessions of a schedule (docs/import.md)."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from ..domain.callers import Role
from ..service.calendar_import import ImportResult as DomainImportResult
from ..service.calendar_import import import_calendar
from ..service.ical_events import MAX_EVENTS
from ..service.ical_events import ImportFailure as DomainImportFailure
from .directives import requires_role

IMPORT_CALENDAR = (
    "Imports an iCalendar (RFC 5545) file's events into a schedule, keyed by their UID: a new UID is "
    "created, one imported before is updated or left unchanged, so importing a file twice changes "
    f"nothing. At most {MAX_EVENTS} events. An event that cannot be taken is listed in `failed` with a "
    "code; the others are still imported. `dryRun` writes nothing and answers the same."
)


@strawberry.type(description="An event `importCalendar` could not take, and why.")
class ImportFailure:
    uid: str | None = strawberry.field(description="The event's UID (null when it has none).")
    code: str = strawberry.field(
        description="MISSING_UID, MISSING_DTSTART, MISSING_END, UNSUPPORTED_RULE, "
        "UNSUPPORTED_RANGE, UNSUPPORTED_TIMEZONE, DUPLICATE_UID, INVALID_EVENT, NOT_FOUND, …"
    )
    message: str

    @classmethod
    def from_domain(cls, value: DomainImportFailure) -> ImportFailure:
        return cls(uid=value.uid, code=value.code, message=value.message)


@strawberry.type(description="Events by outcome: one per UID (an event and the events overriding it).")
class ImportResult:
    created: int
    updated: int
    unchanged: int
    failed: list[ImportFailure]

    @classmethod
    def from_domain(cls, value: DomainImportResult) -> ImportResult:
        return cls(
            created=value.created,
            updated=value.updated,
            unchanged=value.unchanged,
            failed=[ImportFailure.from_domain(item) for item in value.failed],
        )


@strawberry.type
class ImportMutation:
    @strawberry.mutation(extensions=[requires_role(Role.BOOKINGS_ADMIN)], description=IMPORT_CALENDAR)
    async def import_calendar(
        self, info: Info[Any, Any], schedule_id: str, ics: str, dry_run: bool | None = False
    ) -> ImportResult:
        result = await import_calendar(info.context.services, schedule_id, ics, dry_run=bool(dry_run))
        return ImportResult.from_domain(result)
