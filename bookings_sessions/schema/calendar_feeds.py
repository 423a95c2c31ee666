"""`CalendarFeed` and the admin-only `createCalendarFeed` / `revokeCalendarFeed` (merged into `Mutation`)."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from ..domain.calendar_feeds import CalendarFeed as DomainCalendarFeed
from ..domain.callers import Role
from ..service.calendar_feeds import create_calendar_feed, revoke_calendar_feed
from .directives import requires_role


@strawberry.type(description="A subscribable iCalendar feed of one schedule (docs/calendars.md).")
class CalendarFeed:
    id: strawberry.ID = strawberry.field(description="What `revokeCalendarFeed` takes.")
    schedule_id: str
    url: str = strawberry.field(
        description="The feed's path with its secret token, e.g. `/calendars/yoga.ics?token=…`, relative "
        "to the server. Shown only in this answer: the server keeps only the token's hash."
    )

    @classmethod
    def from_domain(cls, value: DomainCalendarFeed, token: str) -> CalendarFeed:
        return cls(id=strawberry.ID(value.id), schedule_id=value.schedule_id, url=value.url(token))


@strawberry.type
class CalendarFeedsMutation:
    @strawberry.mutation(
        extensions=[requires_role(Role.BOOKINGS_ADMIN)],
        description="Mints a feed of the schedule's sessions for calendar apps. Without includePrivate it "
        "shows what an anonymous caller may read (no location, notes or participants).",
    )
    async def create_calendar_feed(
        self, info: Info[Any, Any], schedule_id: str, include_private: bool | None = False
    ) -> CalendarFeed:
        feed, token = await create_calendar_feed(
            info.context.services.calendar_feeds,
            schedule_id,
            bool(include_private),
            info.context.caller.subject,
        )
        return CalendarFeed.from_domain(feed, token)

    @strawberry.mutation(
        extensions=[requires_role(Role.BOOKINGS_ADMIN)],
        description="Revokes a feed at once: its URL answers 404 from the next request on. False if there "
        "was no such feed (or it was already revoked).",
    )
    async def revoke_calendar_feed(self, info: Info[Any, Any], id: strawberry.ID) -> bool:
        return await revoke_calendar_feed(info.context.services.calendar_feeds, str(id))
