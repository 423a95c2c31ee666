"""The clock every write uses, at the precision the database keeps."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    # BSON dates hold milliseconds; trimming here keeps what we return equal to what we store.
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)
