"""`GET /calendars/{scheduleId}.ics?token=…`: a schedule's sessions for calendar apps, the token checked on
every request (404 for any that does not open this feed), an ETag for `If-None-Match` (docs/calendars.md).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from ..domain.errors import Unavailable
from ..service.calendar_feeds import calendar_feed
from ..service.services import AppServices
from .calendar_ics import render_calendar

CONTENT_TYPE = "text/calendar; charset=utf-8"
# The URL holds a secret: only the subscriber may keep a copy, and it must ask again (cheaply, with
# its ETag) before using it, so a revoked feed stops at once.
CACHE_CONTROL = "private, no-cache"


class CalendarFeedEndpoint:
    def __init__(self, services: Callable[[], AppServices | None]) -> None:
        self._services = services

    async def respond(self, request: Request) -> Response:
        services = self._services()
        if services is None:
            return PlainTextResponse("starting", status_code=503)
        schedule_id = request.path_params["schedule_id"]
        try:
            content = await calendar_feed(services, schedule_id, request.query_params.get("token"))
        except Unavailable:
            return PlainTextResponse("database unavailable", status_code=503)
        if content is None:
            return PlainTextResponse("not found", status_code=404)
        feed = content.feed
        body = render_calendar(schedule_id, content.events, feed.include_private, content.window.first_day)
        etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
        headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
        if _matches(request.headers.get("if-none-match"), etag):
            return Response(status_code=304, headers=headers)
        return Response(body, media_type=CONTENT_TYPE, headers=headers)


def _matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110's weak comparison: any listed tag (W/ or not) equal to ours, or `*`."""
    if not if_none_match:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return etag in tags or "*" in tags
