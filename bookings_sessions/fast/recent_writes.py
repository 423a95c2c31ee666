"""Single sessions as this process last wrote them: what spares FerretDB the read before a write (the
store's `written` part, storage/parts.py; docs/design.md §4).

On FerretDB a conditional write reads the document by `_id` and checks the condition here
(`SessionStore._write`). Writes to one session in this process are serialised by `session_lock`, and
each one refreshes the copy kept here from the document the write returned, so the copy is what the
read would have found — unless another process wrote the session, which FerretDB cannot make safe
anyway (its updates are not atomic; docs/design.md §4). So a copy is trusted only in the direction where
being stale is harmless: it may say "the condition holds and there is room: append", never "the write
would change nothing" nor how to trim a full change log; those take the read. At worst a stale copy
records a change whose values another process had already written.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Final

from ..storage.parts import Document

# Sessions remembered, least recently written dropped first. Each copy is the session's document as the
# write returned it: ~4 KB for a typical session in memory, so ~16-20 MB when full.
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
