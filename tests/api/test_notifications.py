"""Participant notifications end to end: recorded with the update, delivered to a real webhook receiver,
visible to admins through `notifications`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest

from bookings_sessions.domain.recurrence import instance_id
from bookings_sessions.notifications.dispatcher import NO_WEBHOOK_WARNING
from bookings_sessions.notifications.webhook import signature
from tests.support.api import Api
from tests.support.graphql import DELETE, NOTIFICATIONS, UPDATE
from tests.support.receiver import WEBHOOK_SECRET, Receiver

ALICE = {"id": "p-1", "name": "Alice", "email": "alice@example.com", "phone": None, "partySize": 2}
BOB = {"id": "p-2", "name": "Bob", "email": None, "phone": "+1 555 0100", "partySize": 1}


def notify(message: str | None = "See you in room 2", **extra: Any) -> dict[str, Any]:
    return {"participantNotification": {"notifyParticipants": True, "message": message, **extra}}


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with Receiver(WEBHOOK_SECRET) as running:
        yield running


@pytest.fixture
def settings_overrides(request: pytest.FixtureRequest, receiver: Receiver) -> dict[str, Any]:
    """A fast dispatcher; with the receiver as webhook unless the test parametrizes this to False."""
    overrides: dict[str, Any] = {
        "notification_poll_seconds": 0.02,
        "notification_backoff_base_seconds": 0.02,
        "notification_backoff_cap_seconds": 0.1,
    }
    if getattr(request, "param", True):
        overrides["notification_webhook_url"] = receiver.url
        overrides["notification_webhook_secret"] = WEBHOOK_SECRET
    return overrides


NO_WEBHOOK = pytest.mark.parametrize("settings_overrides", [False], indirect=True)


async def notifications(api: Api, **variables: Any) -> list[dict[str, Any]]:
    edges = (await api.data(NOTIFICATIONS, variables))["notifications"]["edges"]
    return [edge["node"] for edge in edges]


async def wait_for_notifications(api: Api, count: int, **variables: Any) -> list[dict[str, Any]]:
    for _ in range(500):
        found = await notifications(api, **variables)
        if len(found) >= count:
            return found
        await asyncio.sleep(0.02)
    raise AssertionError(f"expected {count} notifications, have {len(found)}")


async def raw_state(api: Api, session_id: str) -> tuple[list[Any], int]:
    """The session document's outbox and the size of `notifications`, straight from the database."""
    runtime = api.app.state.runtime
    db = runtime.client[runtime.settings.mongodb_database]
    doc = await db["sessions"].find_one({"_id": session_id})
    return doc.get("outbox", []), await db["notifications"].count_documents({})


async def test_update_with_notify_is_delivered_signed_to_the_new_participants(
    api: Api, receiver: Receiver
) -> None:
    session_id = (await api.create_single(participants=[ALICE]))["_id"]

    await api.data(UPDATE, {"id": session_id, "info": {"participants": [ALICE, BOB]}, "options": notify()})

    await receiver.wait_for(lambda: len(receiver.acknowledged()) == 1)
    [request] = receiver.requests
    assert receiver.bad_signatures == 0
    assert request.headers["x-signature-sha256"] == signature(request.body, WEBHOOK_SECRET)
    body = request.json
    assert (body["sessionId"], body["kind"], body["message"]) == (session_id, "UPDATED", "See you in room 2")
    assert body["recipients"] == [ALICE, BOB]
    assert request.key == body["id"]

    [shown] = await wait_for_notifications(api, 1, status="SENT")
    assert shown["id"] == body["id"] and shown["recipients"] == [ALICE, BOB]
    assert (shown["attempts"], shown["lastError"], shown["nextAttemptDate"]) == (1, None, None)
    assert shown["sentDate"] is not None


async def test_delete_with_notify_tells_participants_it_is_cancelled(api: Api, receiver: Receiver) -> None:
    session_id = (await api.create_single(participants=[ALICE]))["_id"]

    await api.data(DELETE, {"id": session_id, "options": notify("Cancelled, sorry")})

    await receiver.wait_for(lambda: len(receiver.acknowledged()) == 1)
    body = receiver.requests[0].json
    assert (body["kind"], body["message"], body["recipients"]) == ("CANCELLED", "Cancelled, sorry", [ALICE])


@NO_WEBHOOK
@pytest.mark.parametrize(
    "options",
    [
        None,
        {},
        {"participantNotification": {"notifyParticipants": False, "message": "hello"}},
        {"participantNotification": {"message": "hello"}},
    ],
)
async def test_nothing_is_recorded_without_notify_participants(
    api: Api, options: dict[str, Any] | None
) -> None:
    session_id = (await api.create_single(participants=[ALICE]))["_id"]

    await api.data(UPDATE, {"id": session_id, "info": {"notes": "changed"}, "options": options})
    await api.data(DELETE, {"id": session_id, "options": options})
    await asyncio.sleep(0.2)  # several dispatcher rounds

    assert await raw_state(api, session_id) == ([], 0)


@NO_WEBHOOK
async def test_a_message_over_2000_characters_is_refused_and_nothing_is_written(api: Api) -> None:
    session_id = (await api.create_single(participants=[ALICE]))["_id"]
    before = await api.session(session_id)

    error = await api.error(
        UPDATE, {"id": session_id, "info": {"notes": "changed"}, "options": notify("x" * 2001)}
    )

    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "options.participantNotification.message"
    assert await api.session(session_id) == before
    deleted = await api.error(DELETE, {"id": session_id, "options": notify("x" * 2001)})
    assert deleted["extensions"]["field"] == "options.participantNotification.message"
    assert await raw_state(api, session_id) == ([], 0)

    await api.data(UPDATE, {"id": session_id, "info": {}, "options": notify("x" * 2000)})
    [shown] = await wait_for_notifications(api, 1)
    assert len(shown["message"]) == 2000


@NO_WEBHOOK
async def test_a_notification_without_field_changes_is_still_recorded(api: Api) -> None:
    session_id = (await api.create_single(participants=[ALICE]))["_id"]
    before = await api.session(session_id)

    after = (
        await api.data(UPDATE, {"id": session_id, "info": {"notes": before["notes"]}, "options": notify()})
    )["updateSession"]

    assert after["notes"] == before["notes"]
    [shown] = await wait_for_notifications(api, 1)
    assert (shown["sessionId"], shown["recipients"]) == (session_id, [ALICE])


@NO_WEBHOOK
async def test_without_a_webhook_one_warning_at_start_and_notifications_stay_pending(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    warnings = [r for r in caplog.get_records("setup") if r.getMessage() == NO_WEBHOOK_WARNING]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING
    session_id = (await api.create_single(participants=[ALICE]))["_id"]

    await api.data(UPDATE, {"id": session_id, "info": {"notes": "x"}, "options": notify()})
    await wait_for_notifications(api, 1)
    await asyncio.sleep(0.2)

    [shown] = await notifications(api)
    assert (shown["status"], shown["attempts"], shown["sentDate"]) == ("PENDING", 0, None)
    assert shown["nextAttemptDate"] is not None
    assert not [r for r in caplog.get_records("call") if r.getMessage() == NO_WEBHOOK_WARNING]


async def test_a_webhook_configured_means_no_warning(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    assert not [r for r in caplog.get_records("setup") if r.getMessage() == NO_WEBHOOK_WARNING]


@NO_WEBHOOK
async def test_notifications_are_for_admins_only(api: Api) -> None:
    for token, code in (
        (None, "UNAUTHENTICATED"),
        (api.tokens.staff, "FORBIDDEN"),
        (api.tokens.service, "FORBIDDEN"),
    ):
        body = await api.post(NOTIFICATIONS, {}, token=token)
        assert body["data"] == {"notifications": None}
        assert body["errors"][0]["extensions"]["code"] == code
    assert (await api.post(NOTIFICATIONS, {}, token=api.tokens.admin))["data"]["notifications"]["edges"] == []


@NO_WEBHOOK
async def test_paging_filters_and_bad_arguments(api: Api) -> None:
    first_session = (await api.create_single(participants=[ALICE]))["_id"]
    other_session = (await api.create_single(participants=[BOB]))["_id"]
    for number in range(5):
        await api.data(
            UPDATE, {"id": first_session, "info": {"notes": f"{number}"}, "options": notify(f"{number}")}
        )
    await api.data(UPDATE, {"id": other_session, "info": {}, "options": notify("other")})
    everything = await wait_for_notifications(api, 6)

    pages: list[str] = []
    after = None
    for _ in range(10):
        page = (await api.data(NOTIFICATIONS, {"sessionId": first_session, "first": 2, "after": after}))[
            "notifications"
        ]
        pages += [edge["node"]["message"] for edge in page["edges"]]
        assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert pages == ["4", "3", "2", "1", "0"]  # newest first
    assert [node["message"] for node in everything if node["sessionId"] == other_session] == ["other"]
    assert await notifications(api, status="SENT") == []
    assert len(await notifications(api, status="PENDING")) == 6

    for variables, field in (
        ({"first": 0}, "first"),
        ({"first": 101}, "first"),
        ({"after": "nope!"}, "after"),
    ):
        error = await api.error(NOTIFICATIONS, variables)
        assert (error["extensions"]["code"], error["extensions"]["field"]) == ("BAD_USER_INPUT", field)


@NO_WEBHOOK
async def test_the_servers_dispatcher_never_undoes_a_concurrent_update(api: Api) -> None:
    """FerretDB 1.24 rewrites whole documents without locking; the dispatcher's pull of moved outbox
    entries shares the API's per-session lock, so no update (nor its notification) is lost."""
    session_id = (await api.create_single(participants=[ALICE]))["_id"]
    count = 40

    for number in range(count):
        await api.data(
            UPDATE, {"id": session_id, "info": {"notes": f"{number}"}, "options": notify(f"{number}")}
        )

    shown = await wait_for_notifications(api, count, first=100)
    assert sorted(int(node["message"]) for node in shown) == list(range(count))
    session = await api.session(session_id)
    assert (session["notes"], session["revision"]) == (f"{count - 1}", 1 + count)


@NO_WEBHOOK
async def test_notifying_about_an_untouched_instance_records_it_with_the_series_participants(
    api: Api,
) -> None:
    series_id = (await api.create_series(zone="UTC", scheduleId="s", participants=[ALICE]))["_id"]
    instance = instance_id(series_id, date(2030, 1, 14))
    # Nothing changes and no exception exists yet: the notification alone is the write.
    updated = (await api.data(UPDATE, {"id": instance, "info": {}, "options": notify("Room changed")}))[
        "updateSession"
    ]
    assert updated["_id"] == instance
    shown = await wait_for_notifications(api, 1, sessionId=instance)
    assert [(node["message"], node["recipients"][0]["name"]) for node in shown] == [("Room changed", "Alice")]
