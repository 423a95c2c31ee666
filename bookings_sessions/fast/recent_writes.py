"""Single sessions as this process last wrote them, so that a FerretDB write may skip its read: trusted
to say "the condition holds and there is room: append", or what a full change log's trim keeps (checked
by the write, which returns what it replaced). The store's `written` part (storage/parts.py); why that is
safe: docs/design.md §4.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Final

from ..storage.parts import Document

# Sessions remembered, least recently written dropped first. Each copy is the session's document as the
# write returned it (its memory when full: docs/design.md §4).
KEPT: Final = 4096


class RecentWrites:
    def __init__(self, kept: int = KEPT) -> None:
        self._kept = kept
        self._docs: OrderedDict[str, Document] = OrderedDict()

    def get(self, session_id: str) -> Document | None:
        return self._docs.get(session_id)

    def remember(self, doc: Document) -> None:
        """The document a write returned (or inserted); only single sessions are kept."""
        session_id = doc.get("_id")
        if not isinstance(session_id, str):
            return
        if doc.get("kind") != "single":
            self._docs.pop(session_id, None)
            return
        self._docs[session_id] = doc
        self._docs.move_to_end(session_id)
        if len(self._docs) > self._kept:
            self._docs.popitem(last=False)

    def forget(self, session_id: str) -> None:
        """A write whose resulting document is unknown here."""
        self._docs.pop(session_id, None)
