"""Driver failures become domain errors at the storage edge (`database_errors`)."""

from __future__ import annotations

import pytest
from pymongo.errors import OperationFailure

from bookings_sessions.domain.errors import Unavailable
from bookings_sessions.storage.errors import database_errors

# What FerretDB 1.24 answered a findAndModify when SQLite's write lock stayed taken past its busy
# timeout (seen under 16 concurrent writers on a collection whose `_id` lookups were table scans).
SQLITE_BUSY = (
    "[msg_findandmodify.go:196 handler.(*Handler).findAndModifyDocument] [update.go:114 "
    "common.UpdateDocument] [collection.go:191 sqlite.(*collection).UpdateAll] [collection.go:177 "
    "sqlite.(*collection).UpdateAll.func1] database is locked (5) (SQLITE_BUSY)"
)


def test_a_store_too_busy_to_write_is_unavailable_not_an_internal_error() -> None:
    with pytest.raises(Unavailable), database_errors():
        raise OperationFailure(SQLITE_BUSY, 1, {"ok": 0.0, "errmsg": SQLITE_BUSY, "code": 1})


def test_other_operation_failures_stay_internal() -> None:
    with pytest.raises(OperationFailure), database_errors():
        raise OperationFailure("Cannot apply $inc to a value of non-numeric type", 14)
