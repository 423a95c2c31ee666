"""`changes`: the change log as a Relay connection, for staff, admins and services (§9)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import strawberry
from strawberry.types import Info

from ..change_log.feed import DEFAULT_PAGE, MAX_PAGE, list_changes
from ..domain.callers import SENSITIVE_READERS
from ..domain.changes import Change as DomainChange
from ..domain.changes import ChangeKind
from .directives import requires_role
from .inputs import given_fields
from .names import graphql_name
from .types import Connection, Session

ChangeKindEnum = strawberry.enum(ChangeKind, name="ChangeKind")


@strawberry.type(description="One write to a session, series or instance, in the order of the change log.")
class Change:
    kind: ChangeKindEnum  # type: ignore[valid-type]
    session_id: strawberry.ID
    schedule_id: str | None = strawberry.field(description="The session's schedule after the change.")
    previous_schedule_id: str | None = strawberry.field(
        default=None,
        description="The schedule this change moved the session off (null if it did not move it): a "
        "mirror of that schedule drops the session.",
    )
    revision: int = strawberry.field(description="The session's revision this change produced.")
    changed_fields: list[str] = strawberry.field(
        description="The fields the change set or cleared, as this API names them; empty for CREATED."
    )
    at: datetime = strawberry.field(description="When the writing server made the change (its clock).")
    split_from: strawberry.ID | None = strawberry.field(
        default=None,
        description="A series split: on the new series' CREATED, the series it was split off; on a moved "
        "exception's CREATED, the id that occurrence had under that series.",
    )
    split_into: strawberry.ID | None = strawberry.field(
        default=None,
        description="A series split: on the original series' UPDATED, the new series that took its "
        "occurrences from splitDate on.",
    )
    split_date: date | None = strawberry.field(
        default=None,
        description="A series split: the local date from which the occurrences moved to the new series.",
    )

    @strawberry.field(description="The session as it is now (null if its id no longer resolves).")
    async def session(self, info: Info[Any, Any]) -> Session | None:
        found = await info.context.session_loader.load(str(self.session_id))
        return None if found is None else Session.from_domain(found)

    @classmethod
    def from_domain(cls, value: DomainChange) -> Change:
        assert value.revision is not None
        return cls(
            kind=value.kind,
            session_id=strawberry.ID(value.session_id),
            schedule_id=value.schedule_id,
            previous_schedule_id=value.previous_schedule_id,
            revision=value.revision,
            changed_fields=[graphql_name(name) for name in value.changed_fields],
            at=value.at,
            split_from=None if value.split_from is None else strawberry.ID(value.split_from),
            split_into=None if value.split_into is None else strawberry.ID(value.split_into),
            split_date=value.split_date,
        )


@strawberry.type(description="A page of the change log, oldest first. Follow `pageInfo.endCursor`.")
class ChangeConnection(Connection[Change]):
    pass


@strawberry.input(description="Which changes to list.")
class ChangeFilter:
    schedule_ids: list[str] | None = strawberry.field(
        default=strawberry.UNSET,
        description="Only changes that left their session on one of these schedules, or moved it off "
        "one (`previousScheduleId`).",
    )


@strawberry.type
class ChangesQuery:
    @strawberry.field(
        extensions=[requires_role(*SENSITIVE_READERS)],
        description="Every change, in one global order, after `after` (without it: from the oldest "
        f"retained one); `first`: 1 to {MAX_PAGE}. A cursor older than the retention fails with "
        "CURSOR_EXPIRED: re-read, then follow from a new cursor.",
    )
    async def changes(
        self,
        info: Info[Any, Any],
        after: str | None = None,
        first: int | None = DEFAULT_PAGE,
        filter: ChangeFilter | None = None,
    ) -> ChangeConnection:
        page = await list_changes(
            info.context.services.changes,
            after=after,
            first=first,
            filter=given_fields(filter) if filter else None,
        )
        return ChangeConnection.of(page, Change.from_domain)
