"""CHANGE_WEBHOOK_URL on a running server (docs/design.md §9): every change, in the receiver, once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.support.api import Api
from tests.support.graphql import DELETE, UPDATE
from tests.support.receiver import WEBHOOK_SECRET, Receiver


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with Receiver(WEBHOOK_SECRET) as running:
        yield running


@pytest.fixture
def settings_overrides(receiver: Receiver) -> dict[str, Any]:
    return {
        "change_webhook_url": receiver.url,
        "change_webhook_secret": WEBHOOK_SECRET,
        "notification_poll_seconds": 0.02,
        "changes_poll_seconds": 0.02,
    }


async def test_every_change_is_posted_signed_with_its_session_and_revision_as_key(
    api: Api, receiver: Receiver
) -> None:
    session = await api.create_single(scheduleId="s-1")
    await api.data(UPDATE, {"id": session["_id"], "info": {"notes": "moved"}})
    await api.data(DELETE, {"id": session["_id"]})
    keys = {f"{session['_id']}:{revision}": 1 for revision in (1, 2, 3)}

    await receiver.wait_for(lambda: receiver.acknowledged() == keys, within=20)

    assert receiver.bad_signatures == 0
    bodies = sorted((request.json for request in receiver.requests), key=lambda body: body["revision"])
    assert [(b["kind"], b["revision"], b["changedFields"]) for b in bodies] == [
        ("CREATED", 1, []),
        ("UPDATED", 2, ["notes"]),
        ("CANCELLED", 3, ["status"]),
    ]
    assert [b["sequence"] for b in bodies] == sorted(b["sequence"] for b in bodies)
