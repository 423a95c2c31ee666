"""Unpadded URL-safe base64 of UTF-8 text: the spelling of instance ids, global ids and cursors."""

from __future__ import annotations

import base64
import binascii
import re

_URL_SAFE = re.compile(r"[A-Za-z0-9_-]+")


def encode(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode("ascii").rstrip("=")


def decode(spelled: str) -> str | None:
    """The text `spelled` encodes; None (never an exception) for anything outside the alphabet or not
    UTF-8. Callers that accept only the canonical spelling compare `encode` of what they parsed."""
    if not _URL_SAFE.fullmatch(spelled):
        return None
    try:
        return base64.urlsafe_b64decode(spelled + "=" * (-len(spelled) % 4)).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
