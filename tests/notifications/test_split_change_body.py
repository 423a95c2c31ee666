"""A split's change events keep where the occurrences went through the change webhook's body too, and
the stored change log (docs/recurring.md, splitting)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from bookings_sessions.change_log.webhooks import change_body
from bookings_sessions.domain.changes import ChangeDelivery, ChangeKind, of_split, record_change
from bookings_sessions.storage.documents import change_from_doc, change_to_doc

AT = datetime(2030, 1, 1, 12, tzinfo=UTC)


def _created() -> ChangeDelivery:
    change = record_change(session_id="new", changed={}, now=AT, revision=1, schedule_id="s", created=True)
    split = of_split(change, date(2030, 3, 5), split_from="old").model_copy(update={"sequence": 7})
    return ChangeDelivery(id="new:1", change=split, created_date=AT)


def test_a_split_event_body_says_where_the_occurrences_went() -> None:
    body = json.loads(change_body(_created()))
    assert (body["kind"], body["splitFrom"], body["splitDate"]) == ("CREATED", "old", "2030-03-05")
    assert "splitInto" not in body


def test_other_bodies_are_unchanged() -> None:
    plain = record_change(session_id="s1", changed={"notes": "x"}, now=AT, revision=2, schedule_id="s")
    body = json.loads(change_body(ChangeDelivery(id="s1:2", change=plain, created_date=AT)))
    assert set(body) == {"sequence", "kind", "sessionId", "scheduleId", "revision", "changedFields", "at"}
    assert body["kind"] == ChangeKind.UPDATED


def test_split_fields_survive_the_stored_log() -> None:
    change = _created().change
    assert change_from_doc(change_to_doc(change)) == change
