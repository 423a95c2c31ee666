"""Idempotency keys for `createSession`: which caller's key, for which request, within which window."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict

from .errors import BadUserInput

MAX_KEY_LENGTH = 200
# A retry within this returns the first result; after it the key is forgotten (and may be reused).
KEY_WINDOW = timedelta(hours=24)


class KeyRecord(BaseModel):
    """What a key promises: the session it creates, and the request that may repeat it."""

    model_config = ConfigDict(frozen=True)

    id: str
    session_id: str
    fingerprint: str
    created_at: datetime


def checked_key(key: str) -> str:
    if not 1 <= len(key) <= MAX_KEY_LENGTH:
        raise BadUserInput(f"must have 1 to {MAX_KEY_LENGTH} characters", field="idempotency_key")
    return key


def _digest(value: Any) -> str:
    # Sorted keys, datetimes as ISO text: the same request always gives the same bytes.
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def key_id(subject: str | None, key: str) -> str:
    """Keys are per caller: two callers never see each other's results."""
    return _digest([subject or "", key])


def fingerprint(request: dict[str, Any]) -> str:
    return _digest(request)
