"""The series' lease (storage/leases.py) around writes that may change its occurrences' seats, in every
process, so a capacity cut and an occurrence's booking cannot both pass (docs/design.md §4, "Capacity
spans two documents").
"""

from __future__ import annotations

import contextlib
from contextlib import AbstractAsyncContextManager

from ..storage.leases import SERIES, Leases
from .services import AppServices


def seats_held(services: AppServices, series_id: str, seats: bool) -> AbstractAsyncContextManager[None]:
    """The series' lease if `seats` (the write may change them), else nothing to hold. Taken under the
    series' in-process lock (storage/write_lock.py), and before any schedule's lease."""
    return Leases(services.store.db, SERIES).held([series_id]) if seats else contextlib.nullcontext()
