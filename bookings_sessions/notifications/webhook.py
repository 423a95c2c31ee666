"""The webhook contract: a JSON body, its HMAC-SHA256 signature, and one POST (notifications and
change events alike)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from datetime import UTC

import httpx

from ..domain.changes import ChangeDelivery
from ..domain.notifications import Notification
from ..domain.values import Participant
from ..storage.documents import camel

SIGNATURE_HEADER = "X-Signature-SHA256"
IDEMPOTENCY_HEADER = "Idempotency-Key"
# Enough of a failing receiver's answer to tell why, in `lastError`.
MAX_ERROR_BODY = 200


def recipient_entry(participant: Participant) -> dict[str, object]:
    # The same camelCase shape as a participant in the GraphQL API, so the body reads like the API.
    return {
        "id": participant.id,
        "name": participant.name,
        "email": participant.email,
        "phone": participant.phone,
        "partySize": participant.party_size,
    }


def webhook_body(notification: Notification) -> bytes:
    """The notification's content only, so every retry sends byte-identical bodies."""
    created = notification.created_date.astimezone(UTC).isoformat(timespec="milliseconds")
    payload = {
        "id": notification.id,
        "sessionId": notification.session_id,
        "kind": notification.kind.value,
        "message": notification.message,
        "recipients": [recipient_entry(recipient) for recipient in notification.recipients],
        "createdDate": created.replace("+00:00", "Z"),
    }
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def change_body(delivery: ChangeDelivery) -> bytes:
    """A change event as `changes` shows it (§9), plus its place in the log; the same on every retry."""
    change = delivery.change
    at = change.at.astimezone(UTC).isoformat(timespec="milliseconds")
    payload = {
        "sequence": change.sequence,
        "kind": change.kind.value,
        "sessionId": change.session_id,
        "scheduleId": change.schedule_id,
        "revision": change.revision,
        # As `changes` names them: a document key is the API's name (§1).
        "changedFields": [camel(name) for name in change.changed_fields],
        "at": at.replace("+00:00", "Z"),
    }
    # Only on a split's events (docs/recurring.md): every other body stays as it was.
    split = {"splitFrom": change.split_from, "splitInto": change.split_into}
    payload |= {key: value for key, value in split.items() if value is not None}
    if change.split_date is not None:
        payload["splitDate"] = change.split_date.isoformat()
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def signature(body: bytes, secret: str) -> str:
    """Hex HMAC-SHA256 of the exact body bytes; receivers recompute it over the raw request body."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


async def post_signed(
    http: httpx.AsyncClient, url: str, secret: str, body: bytes, *, key: str, limit_seconds: float
) -> str | None:
    """One delivery attempt of any webhook: None when the receiver answered 2xx, else why it did not."""
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: signature(body, secret),
        IDEMPOTENCY_HEADER: key,
    }
    try:
        # httpx's timeout is per phase; this bounds the whole exchange, so it ends within the lease.
        async with asyncio.timeout(limit_seconds):
            response = await http.post(url, content=body, headers=headers)
    except TimeoutError:
        return f"timed out after {limit_seconds:g}s"
    except httpx.HTTPError as error:
        return f"{type(error).__name__}: {error}"[:MAX_ERROR_BODY]
    if 200 <= response.status_code < 300:
        return None
    return f"HTTP {response.status_code}: {response.text[:MAX_ERROR_BODY]}"
