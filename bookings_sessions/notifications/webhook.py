"""The webhook contract: a participant notification's JSON body, and the HMAC-SHA256 signature and one POST
that change webhooks (change_log/webhooks.py) share."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from datetime import UTC

import httpx

from ..domain.notifications import Notification
from ..domain.values import Participant

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
