"""The one listing cache: sessions a listing decoded, by the exact bytes of their stored document, so a
kept one cannot be stale (the store's `listed` part, storage/parts.py; docs/design.md §6).
"""

from __future__ import annotations

from typing import Final

from cachetools import LRUCache

from ..domain.model import Session

# Listed sessions kept, least recently listed dropped first.
SIZE: Final = 2048


class ListingCache:
    def __init__(self, size: int = SIZE) -> None:
        self._sessions: LRUCache[bytes, Session] = LRUCache(maxsize=size)

    def get(self, stored: bytes) -> Session | None:
        return self._sessions.get(stored)

    def keep(self, stored: bytes, session: Session) -> None:
        self._sessions[stored] = session
