"""`sessions(filter, window, expandInstances, first, after)`: stored sessions and computed instances."""

from __future__ import annotations

from datetime import date, datetime

from ..domain.commands import validated
from ..domain.errors import BadUserInput, fields_of
from ..domain.listing import (
    DEFAULT_PAGE,
    MAX_PAGE,
    SessionFilter,
    Window,
    check_window,
    merge_page,
    sort_key,
)
from ..domain.model import Session, SessionKind
from ..domain.paging import Page, PageRequest, page_request
from ..domain.series import InstanceOverride, Series, instances_in_window
from ..domain.timezones import DATE_SLACK
from ..domain.values import RecurrenceType
from .services import AppServices


async def list_sessions(
    services: AppServices,
    filter_fields: dict[str, object] | None,
    window_bounds: tuple[datetime, datetime] | None,
    expand_instances: bool,
    first: int | None,
    after: str | None,
    last: int | None = None,
    before: str | None = None,
) -> Page[Session]:
    with fields_of("filter"):
        session_filter = validated(SessionFilter.model_validate, filter_fields or {})
    request = page_request(first, after, last, before, default=DEFAULT_PAGE, maximum=MAX_PAGE)
    window = None if window_bounds is None else check_window(*window_bounds)
    types = set(session_filter.recurrence_types or RecurrenceType)
    if not expand_instances:
        if session_filter.recurring_session_id is not None:
            raise BadUserInput("needs expandInstances: true", field="filter.recurring_session_id")
        kinds = _stored_kinds(
            types, {RecurrenceType.NONE: SessionKind.SINGLE, RecurrenceType.MASTER: SessionKind.SERIES}
        )
        found = [] if not kinds else await _stored(services, session_filter, kinds, window, request)
        return request.page(found, sort_key)
    if window is None:
        raise BadUserInput("required with expandInstances", field="window")

    singles: list[Session] = []
    if RecurrenceType.NONE in types and session_filter.recurring_session_id is None:
        singles = await _stored(services, session_filter, (SessionKind.SINGLE,), window, request)
    series_list: list[Series] = []
    if types & {RecurrenceType.INSTANCE, RecurrenceType.EXCEPTION}:
        series_list = await _candidate_series(services, session_filter, window)
    instances = [
        instance
        for instance in await expanded(services, series_list, window)
        if session_filter.matches(instance) and request.admits(sort_key(instance))
    ]
    return request.page(merge_page([singles, instances], request), sort_key)


async def expanded(services: AppServices, series_list: list[Series], window: Window) -> list[Session]:
    """Every instance of the series overlapping the window, with its stored exception applied."""
    first_day: date = (window.start - DATE_SLACK).date()
    last_day: date = (window.end + DATE_SLACK).date()
    overrides = await services.store.find_overrides(
        [series.id for series in series_list], first_day, last_day, window.start, window.end
    )
    return instances_of(series_list, overrides, window)


def instances_of(
    series_list: list[Series], overrides: list[InstanceOverride], window: Window
) -> list[Session]:
    """Every instance of the series overlapping the window, with its exception among `overrides` applied."""
    by_series: dict[str, dict[date, InstanceOverride]] = {}
    for override in overrides:
        by_series.setdefault(override.series_id, {})[override.occurrence_date] = override
    instances: list[Session] = []
    for series in series_list:
        instances += instances_in_window(series, by_series.get(series.id, {}), window.start, window.end)
    return instances


async def _stored(
    services: AppServices,
    session_filter: SessionFilter,
    kinds: tuple[SessionKind, ...],
    window: Window | None,
    request: PageRequest,
) -> list[Session]:
    """The stored rows a page may take, nearest its cursor first (one more than it holds)."""
    return await services.store.find_listed(
        session_filter,
        kinds=kinds,
        window=window,
        after=request.after,
        limit=request.size + 1,
        before=request.before,
        backward=request.backward,
    )


def _stored_kinds(
    types: set[RecurrenceType], kinds: dict[RecurrenceType, SessionKind]
) -> tuple[SessionKind, ...]:
    """The stored document kinds that can hold rows of the wanted recurrence types."""
    return tuple(kind for wanted, kind in kinds.items() if wanted in types)


async def _candidate_series(
    services: AppServices, session_filter: SessionFilter, window: Window
) -> list[Series]:
    """The series whose instances may show in the window: one by id (a bare `_id` read), or by span."""
    if session_filter.recurring_session_id is None:
        return await services.store.find_series(session_filter, window)
    stored = await services.store.load(session_filter.recurring_session_id)
    return [stored] if isinstance(stored, Series) else []
