"""What an update records in the outbox, and the retry schedule; pure functions, no database."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from bookings_sessions.domain.commands import NotificationRequest
from bookings_sessions.domain.notifications import outbox_entries, retry_delay
from bookings_sessions.domain.values import Participant, SessionStatus
from tests.support.domain import make_session

NOW = datetime(2024, 5, 1, 9, 30, 15, 123000, tzinfo=UTC)
ALICE = Participant(id="p-1", name="Alice", email="alice@example.com", party_size=2)
BOB = Participant(id="p-2", name="Bob", phone="+1 555 0100")
WITH_ALICE = make_session("s-1", participants=(ALICE,))
NOTIFY = NotificationRequest(notify_participants=True, message="Moved to room 2")


def test_one_entry_with_the_session_message_recipients_and_time() -> None:
    [entry] = outbox_entries(
        make_session("s-1", participants=(ALICE, BOB)), {"notes": "x"}, NOTIFY, change_kind="UPDATED", now=NOW
    )

    assert entry.model_fields_set == {"id", "session_id", "kind", "message", "recipients", "created_date"}
    assert len(entry.id) == 32 and int(entry.id, 16) >= 0
    assert entry.session_id == "s-1"
    assert entry.kind == "UPDATED"
    assert entry.message == "Moved to room 2"
    assert entry.created_date == NOW
    assert [recipient.model_dump() for recipient in entry.recipients] == [
        {"id": "p-1", "name": "Alice", "email": "alice@example.com", "phone": None, "party_size": 2},
        {"id": "p-2", "name": "Bob", "email": None, "phone": "+1 555 0100", "party_size": 1},
    ]


def test_every_entry_gets_its_own_id() -> None:
    ids = {outbox_entries(WITH_ALICE, {}, NOTIFY, change_kind="UPDATED", now=NOW)[0].id for _ in range(50)}
    assert len(ids) == 50


@pytest.mark.parametrize(
    "request_", [None, NotificationRequest(), NotificationRequest(notify_participants=False, message="hi")]
)
def test_nothing_without_notify_participants(request_: NotificationRequest | None) -> None:
    assert outbox_entries(WITH_ALICE, {"notes": "x"}, request_, change_kind="UPDATED", now=NOW) == []


def test_recipients_are_the_participants_after_the_change() -> None:
    replaced = outbox_entries(WITH_ALICE, {"participants": (BOB,)}, NOTIFY, change_kind="UPDATED", now=NOW)
    assert [item.id for item in replaced[0].recipients] == ["p-2"]

    cleared = outbox_entries(WITH_ALICE, {"participants": ()}, NOTIFY, change_kind="UPDATED", now=NOW)
    assert cleared[0].recipients == ()


def test_a_notification_without_field_changes_is_still_recorded() -> None:
    [entry] = outbox_entries(WITH_ALICE, {}, NOTIFY, change_kind="UPDATED", now=NOW)
    assert [item.id for item in entry.recipients] == ["p-1"]


def test_cancelling_says_cancelled_whichever_mutation_did_it() -> None:
    deleted = outbox_entries(
        WITH_ALICE,
        {"status": SessionStatus.CANCELLED},
        NOTIFY,
        change_kind="CANCELLED",
        now=NOW,
    )
    updated = outbox_entries(
        WITH_ALICE,
        {"status": SessionStatus.CANCELLED},
        NOTIFY,
        change_kind="UPDATED",
        now=NOW,
    )
    assert deleted[0].kind == updated[0].kind == "CANCELLED"


def test_message_is_optional() -> None:
    request = NotificationRequest(notify_participants=True)
    assert (
        outbox_entries(make_session(participants=()), {}, request, change_kind="UPDATED", now=NOW)[0].message
        is None
    )


def test_retry_delay_grows_exponentially_with_equal_jitter_up_to_the_cap() -> None:
    rng = random.Random(7)
    for attempts in range(1, 20):
        step = min(60.0, 1.0 * 2 ** (attempts - 1))
        for _ in range(50):
            delay = retry_delay(attempts, base_seconds=1.0, cap_seconds=60.0, rng=rng)
            assert step / 2 <= delay <= step


def test_retry_delays_spread_out() -> None:
    rng = random.Random(1)
    delays = {round(retry_delay(3, base_seconds=1.0, cap_seconds=60.0, rng=rng), 6) for _ in range(20)}
    assert len(delays) > 10
