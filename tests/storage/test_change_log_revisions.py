"""Which revision each pending change-log entry belongs to (storage/pending.py `Spool.revisions`)."""

from __future__ import annotations

from bookings_sessions.storage.pending import CHANGE_LOG


def test_unstamped_entries_are_counted_back_from_the_document() -> None:
    doc = {"revision": 7, "changeLog": [{"id": "a"}, {"id": "b"}, {"id": "c"}]}
    assert CHANGE_LOG.revisions(doc) == [5, 6, 7]


def test_stamped_entries_keep_their_revision_when_the_document_jumped() -> None:
    # An exception at 3, then 9 after six series writes (docs/design.md §1): its first entry stays 3.
    doc = {"revision": 9, "changeLog": [{"id": "a", "revision": 3}, {"id": "b", "revision": 9}]}
    assert CHANGE_LOG.revisions(doc) == [3, 9]
    assert CHANGE_LOG.uncopied(doc, 3) == [{"id": "b", "revision": 9}]


def test_an_unstamped_entry_counts_back_from_the_next_stamped_one() -> None:
    doc = {"revision": 6, "changeLog": [{"id": "a"}, {"id": "b", "revision": 4}, {"id": "c"}, {"id": "d"}]}
    assert CHANGE_LOG.revisions(doc) == [3, 4, 5, 6]
