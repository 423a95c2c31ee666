"""Starts this process's live feed: the change log → `sessionUpdated` subscribers (§9)."""

from __future__ import annotations

import asyncio

from ..change_log.live_feed import follow_changes
from .services import AppServices
from .sessions import load_many


def start_live_feed(services: AppServices) -> asyncio.Task[None]:
    return asyncio.create_task(
        follow_changes(
            services.events,
            services.changes,
            lambda ids: load_many(services, ids),
            poll_seconds=services.settings.changes_poll_seconds,
        ),
        name="live-feed",
    )
