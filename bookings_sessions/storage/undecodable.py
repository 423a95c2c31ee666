"""Stored documents the decoders cannot read: skipped by every read (a lookup of one answers as if it did not
exist), logged once per process and counted, so one bad document never breaks a read of the others
(docs/design.md §1, docs/operations.md "Metrics").
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from ..domain.errors import DomainError

T = TypeVar("T")
log = logging.getLogger("bookings_sessions.storage")

# What a decoder raises on a document of the wrong shape: missing keys, wrong types, values pydantic or
# the domain refuses (pydantic's ValidationError is a ValueError).
DECODE_ERRORS = (KeyError, TypeError, ValueError, AttributeError, IndexError, DomainError)
# Ids remembered to log each only once; beyond this many, new ones are still counted but not logged.
MAX_LOGGED_IDS = 10_000


class UndecodableDocuments:
    def __init__(self, count: Callable[[], None] | None = None) -> None:
        self._count = count
        self._logged: set[str] = set()

    def decode(self, doc: dict[str, Any], decoder: Callable[[dict[str, Any]], T]) -> T | None:
        """The decoded document, or None (logged and counted) when it cannot be decoded."""
        try:
            return decoder(doc)
        except DECODE_ERRORS as error:
            self._report(doc, error)
            return None

    def _report(self, doc: dict[str, Any], error: Exception) -> None:
        if self._count is not None:
            self._count()
        doc_id = str(doc.get("_id"))[:200]
        if doc_id in self._logged or len(self._logged) >= MAX_LOGGED_IDS:
            return
        self._logged.add(doc_id)
        log.warning(
            "skipping stored document %s: it cannot be decoded (%s: %s)",
            doc_id,
            type(error).__name__,
            str(error)[:200],
            extra={"fields": {"event": "undecodable_document", "document_id": doc_id}},
        )
