"""Per-request context: the caller (from the bearer token) and the shared, start-time resources."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from strawberry.dataloader import DataLoader

from ..auth import TokenKeys
from ..domain.callers import Caller
from ..domain.errors import DomainError
from ..domain.model import Session
from ..settings import Settings
from ..storage.store import SessionStore
from .events import SessionEvents


@dataclass(frozen=True, slots=True)
class AppServices:
    """Built once at start; shared by every request."""

    settings: Settings
    store: SessionStore
    keys: TokenKeys
    events: SessionEvents = field(default_factory=SessionEvents)


@dataclass
class Context:
    services: AppServices
    authorization: str | None
    request: Any = None
    response: Any = None
    _caller: Caller | None = field(default=None, init=False)
    _caller_error: DomainError | None = field(default=None, init=False)
    _session_loader: DataLoader[str, Session | None] | None = field(default=None, init=False)

    @property
    def session_loader(self) -> DataLoader[str, Session | None]:
        """Built on first use: most operations never batch-load sessions."""
        if self._session_loader is None:
            from .sessions import load_many

            async def batch(ids: list[str]) -> list[Session | None]:
                return await load_many(self, ids)

            self._session_loader = DataLoader(load_fn=batch)
        return self._session_loader

    @property
    def caller(self) -> Caller:
        """Decoded lazily: queries that touch no protected field never pay for the signature check."""
        if self._caller is None and self._caller_error is None:
            try:
                self._caller = self.services.keys.caller_from_header(self.authorization)
            except DomainError as error:
                self._caller_error = error
        if self._caller_error is not None:
            raise self._caller_error
        assert self._caller is not None
        return self._caller

    @property
    def store(self) -> SessionStore:
        return self.services.store

    @property
    def business_zone(self) -> str:
        return self.services.settings.business_time_zone
