"""The one listing cache: sessions a listing decoded, by the exact bytes of their stored document (the
store's `listed` part, storage/parts.py; docs/design.md §6).

A page re-reads mostly the same documents, and equal bytes decode to an equal session, so a kept one
cannot be stale whichever process wrote: a write that changes what a document decodes to changes its
bytes.
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
