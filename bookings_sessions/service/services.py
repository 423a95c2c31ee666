"""What every use case runs against: built once at start, shared by every request."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..auth import TokenKeys
from ..change_log.live_feed import SessionEvents
from ..settings import Settings
from ..storage.calendar_feeds import CalendarFeeds
from ..storage.change_log import ChangeLogStore
from ..storage.idempotency import IdempotencyKeys
from ..storage.outbox import OutboxStore
from ..storage.store import SessionStore


@dataclass(frozen=True, slots=True)
class AppServices:
    settings: Settings
    store: SessionStore
    keys: TokenKeys
    idempotency_keys: IdempotencyKeys
    events: SessionEvents = field(default_factory=SessionEvents)

    @property
    def business_zone(self) -> str:
        return self.settings.business_time_zone

    @property
    def outbox(self) -> OutboxStore:
        # The outbox shares the sessions' database; a store object is just collection handles.
        return OutboxStore(self.store.db)

    @property
    def changes(self) -> ChangeLogStore:
        return ChangeLogStore(self.store.db)

    @property
    def calendar_feeds(self) -> CalendarFeeds:
        return CalendarFeeds(self.store.db)
