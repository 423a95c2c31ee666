"""Change events (docs/design.md §9): their kind, and what the sequencer derives for pending entries."""

from __future__ import annotations

from datetime import UTC, datetime

from bookings_sessions.domain.changes import Change, ChangeKind, record_change, resolve_pending
from bookings_sessions.domain.values import SessionStatus

NOW = datetime(2030, 1, 1, tzinfo=UTC)


def test_kinds() -> None:
    def kind(changed: dict[str, object], created: bool = False) -> ChangeKind:
        return record_change(
            session_id="s", changed=changed, now=NOW, revision=1, schedule_id="a", created=created
        ).kind

    assert kind({}, created=True) is ChangeKind.CREATED
    assert kind({"status": SessionStatus.CANCELLED, "notes": "x"}) is ChangeKind.CANCELLED
    assert kind({"status": SessionStatus.CONFIRMED}) is ChangeKind.UPDATED
    assert kind({}) is ChangeKind.UPDATED  # a notification alone still raised the revision


def test_an_unchanged_schedule_is_not_a_move() -> None:
    change = record_change(
        session_id="s", changed={"notes": "x"}, now=NOW, revision=2, schedule_id="a", previous_schedule_id="a"
    )
    assert change.previous_schedule_id is None


def test_pending_entries_get_revisions_and_schedules_walking_back_from_the_document() -> None:
    def blind() -> Change:
        return record_change(session_id="s", changed={"notes": "x"}, now=NOW, revision=None, schedule_id=None)

    moved = record_change(
        session_id="s",
        changed={"schedule_id": "b"},
        now=NOW,
        revision=None,
        schedule_id="b",
        previous_schedule_id="a",
    )
    entries = [blind(), moved, blind(), blind()]

    resolved = resolve_pending(entries, revision=9, schedule_id="b")

    assert [(entry.revision, entry.schedule_id) for entry in resolved] == [
        (6, "a"),
        (7, "b"),
        (8, "b"),
        (9, "b"),
    ]
    # The same events in the same order, only their revision and schedule filled in.
    unresolved = {"revision": None, "schedule_id": None}
    assert [entry.model_copy(update=unresolved) for entry in resolved] == [
        entry.model_copy(update=unresolved) for entry in entries
    ]
