"""What every use case looks up the same way: one NOT_FOUND, and the series an instance id names.

Shared by `sessions.py` and `splits.py` (which `sessions.py` imports, so neither can hold it).
"""

from __future__ import annotations

from ..domain.errors import NotFound
from ..domain.series import Series
from .services import AppServices


def not_found(session_id: str) -> NotFound:
    return NotFound(f"no session with id {session_id!r}", field="session_id")


async def series_of(services: AppServices, series_id: str, session_id: str) -> Series:
    """The recurring session behind `session_id` (an instance id); NOT_FOUND names what was asked for."""
    series = await services.store.load(series_id)
    if not isinstance(series, Series):
        raise not_found(session_id)
    return series
