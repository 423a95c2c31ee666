"""Calendar feeds: minting and revoking them (admins), and the events a feed shows (docs/calendars.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from ..domain.calendar_events import FeedEvent, series_events, single_events
from ..domain.calendar_feeds import (
    MAX_FEED_EXCEPTIONS,
    MAX_FEED_SERIES,
    MAX_FEED_SINGLES,
    CalendarFeed,
    FeedWindow,
    feed_window,
    new_feed,
    opens,
    plausible_token,
    token_hash,
)
from ..domain.listing import SessionFilter, Window
from ..domain.model import SessionKind
from ..domain.series import InstanceOverride, Series
from ..domain.timezones import LATEST
from ..storage.calendar_feeds import CalendarFeeds
from ..storage.clock import utc_now
from .services import AppServices


@dataclass(frozen=True, slots=True)
class FeedContent:
    feed: CalendarFeed
    window: FeedWindow
    events: list[FeedEvent]


async def create_calendar_feed(
    feeds: CalendarFeeds, schedule_id: str, include_private: bool, subject: str | None
) -> tuple[CalendarFeed, str]:
    """A new feed and its token: the token is in this answer only (its hash is what is stored). Takes
    the feeds' store alone, so the CLI mints feeds without starting a server."""
    feed, token = new_feed(schedule_id, include_private, utc_now(), subject)
    await feeds.insert(feed)
    return feed, token


async def revoke_calendar_feed(feeds: CalendarFeeds, feed_id: str) -> bool:
    """Whether the feed existed; from now on its URL is not found, in every process."""
    return await feeds.delete(feed_id)


async def calendar_feed(services: AppServices, schedule_id: str, token: str | None) -> FeedContent | None:
    """What the feed of `schedule_id` shows, or None when the token does not open it (missing, bad,
    revoked or another schedule's: the caller cannot tell which, nor whether the schedule exists)."""
    if token is None or not plausible_token(token):
        return None
    feed = await services.calendar_feeds.by_token_hash(token_hash(token))
    if feed is None or not opens(feed, schedule_id):
        return None
    window = feed_window(utc_now())
    store = services.store
    schedule = SessionFilter(schedule_id=schedule_id)
    span = Window(start=window.start, end=window.end)
    singles = await store.find_listed(
        schedule, kinds=(SessionKind.SINGLE,), window=span, after=None, limit=MAX_FEED_SINGLES
    )
    series_list = sorted(await store.find_series(schedule, span), key=_first_start)[:MAX_FEED_SERIES]
    # Every exception from the feed's first day on: a series' rule runs past the window, and an
    # occurrence there must show as the API lists it too.
    overrides = await store.find_overrides(
        [series.id for series in series_list], window.first_day, LATEST.date(), window.start, window.end
    )
    by_series: dict[str, list[InstanceOverride]] = {}
    for override in sorted(overrides, key=_by_date)[:MAX_FEED_EXCEPTIONS]:
        by_series.setdefault(override.series_id, []).append(override)
    events = single_events(singles)
    for series in series_list:
        events += series_events(series, by_series.get(series.id, []), window.first_day, schedule_id)
    return FeedContent(feed=feed, window=window, events=events)


def _by_date(override: InstanceOverride) -> date:
    return override.occurrence_date


def _first_start(series: Series) -> datetime:
    return series.history[0].snapshot.start.utc
