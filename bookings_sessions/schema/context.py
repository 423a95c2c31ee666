"""Per-request context: the caller (from the bearer token), the services, and the request's DataLoader."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from strawberry.dataloader import DataLoader

from ..domain.callers import Caller
from ..domain.errors import DomainError
from ..domain.model import Session
from ..service.services import AppServices
from ..service.sessions import load_many


@dataclass
class Context:
    services: AppServices
    authorization: str | None
    request: Any = None
    response: Any = None
    # Items of the bulk writes run so far: bounded per request, however many bulk fields it aliases.
    bulk_items: int = field(default=0, init=False)
    # Ids the `nodes` fields of the request resolved so far: bounded likewise.
    node_ids: int = field(default=0, init=False)
    _caller: Caller | None = field(default=None, init=False)
    _caller_error: DomainError | None = field(default=None, init=False)
    _session_loader: DataLoader[str, Session | None] | None = field(default=None, init=False)

    @property
    def session_loader(self) -> DataLoader[str, Session | None]:
        """Built on first use: most operations never batch-load sessions."""
        if self._session_loader is None:
            services = self.services

            async def batch(ids: list[str]) -> list[Session | None]:
                return await load_many(services, ids)

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
