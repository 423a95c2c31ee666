"""The store's replaceable parts, each with its plain default: how a new session is inserted (one insert
each), which listed sessions a listing may skip decoding (none) and which written ones a write may skip
reading (none). fast/ has the faster parts (docs/design.md §4, §6, §7).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..domain.model import Session

Document = dict[str, Any]


class Inserts(Protocol):
    async def insert(self, doc: Document) -> None:
        """Returns once `doc` is inserted; raises what `insert_one` raises."""


class OneByOne:
    """Each new session its own `insert_one`."""

    def __init__(self, collection: Any) -> None:
        self._collection = collection

    async def insert(self, doc: Document) -> None:
        await self._collection.insert_one(doc)


class WrittenSessions(Protocol):
    """Sessions as this process last wrote them (FerretDB only: the guarded write's condition read)."""

    def get(self, session_id: str) -> Document | None: ...

    def remember(self, doc: Document) -> None: ...

    def forget(self, session_id: str) -> None: ...


class NoneWritten:
    """Remembers nothing: every guarded write reads its document first."""

    def get(self, session_id: str) -> Document | None:
        return None

    def remember(self, doc: Document) -> None:
        return None

    def forget(self, session_id: str) -> None:
        return None


class ListedSessions(Protocol):
    """Sessions a listing decoded, by the exact bytes of their stored document."""

    def get(self, stored: bytes) -> Session | None: ...

    def keep(self, stored: bytes, session: Session) -> None: ...


class NoneListed:
    """Keeps nothing: a listing decodes every document it reads."""

    def get(self, stored: bytes) -> Session | None:
        return None

    def keep(self, stored: bytes, session: Session) -> None:
        return None


@dataclass
class StoreParts:
    inserts: Callable[[Any], Inserts] = OneByOne  # given the collection
    written: WrittenSessions = field(default_factory=NoneWritten)
    listed: ListedSessions = field(default_factory=NoneListed)
