"""The per-session write lock: serialises writes to one session document within this process.

FerretDB 1.24 does not apply a single-document update atomically, so two requests writing one document
could undo each other (the movers of the outbox and the change log only read: storage/pending.py); on
MongoDB the revision compare-and-swap covers other processes and this lock only saves this process from
spinning on it. An instance's exception is written under its series' id: the two documents decide an
occurrence's seats together (docs/design.md §4, "Capacity spans two documents").
"""

from __future__ import annotations

import asyncio
import weakref

# How often a writer re-reads and re-plans after losing a compare-and-swap before it answers CONFLICT.
MAX_WRITE_ATTEMPTS = 8

class KeyedLocks:
    """One `asyncio.Lock` per key, kept only while someone holds or awaits it."""

    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    def __call__(self, key: str) -> asyncio.Lock:
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        return lock


session_lock = KeyedLocks()
