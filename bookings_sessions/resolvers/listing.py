"""`sessions(filter, window, expandInstances, first, after)`: stored sessions and computed instances."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from ..domain.commands import validated
from ..domain.errors import BadUserInput
from ..domain.listing import (
    SessionFilter,
    SortKey,
    check_page_size,
    check_window,
    decode_cursor,
    merge_page,
    sort_key,
)
from ..domain.model import Session
from ..domain.series import InstanceOverride, instances_in_window
from .context import Context

DATE_SLACK = timedelta(days=2)


@dataclass(frozen=True, slots=True)
class Page:
    sessions: list[Session]
    has_next_page: bool


async def list_sessions(
    ctx: Context,
    filter_fields: dict[str, Any] | None,
    window_bounds: tuple[datetime, datetime] | None,
    expand_instances: bool,
    first: int | None,
    after: str | None,
) -> Page:
    session_filter = validated(SessionFilter, filter_fields or {}, "filter")
    size = check_page_size(first)
    cursor: SortKey | None = None if after is None else decode_cursor(after)
    window = None if window_bounds is None else check_window(*window_bounds)
    if not expand_instances:
        found = await ctx.store.find_listed(
            session_filter, kinds=("single", "series"), window=window, after=cursor, limit=size + 1
        )
        return Page(found[:size], len(found) > size)
    if window is None:
        raise BadUserInput("window is required with expandInstances", field="window")

    singles = await ctx.store.find_listed(
        session_filter, kinds=("single",), window=window, after=cursor, limit=size + 1
    )
    series_list = await ctx.store.find_series(session_filter, window)
    first_day: date = (window.start - DATE_SLACK).date()
    last_day: date = (window.end + DATE_SLACK).date()
    overrides = await ctx.store.find_overrides(
        [series.id for series in series_list],
        first_day.isoformat(),
        last_day.isoformat(),
        window.start,
        window.end,
    )
    by_series: dict[str, dict[date, InstanceOverride]] = {}
    for override in overrides:
        by_series.setdefault(override.series_id, {})[override.occurrence_date] = override
    instances: list[Session] = []
    for series in series_list:
        for instance in instances_in_window(series, by_series.get(series.id, {}), window.start, window.end):
            if session_filter.matches(instance) and (cursor is None or sort_key(instance) > cursor):
                instances.append(instance)
    page, has_next = merge_page([singles, instances], cursor, size)
    return Page(page, has_next)
