"""The driver's errors as the rest of the package sees them: `database_errors` turns a driver failure into
a domain error, and the server's error codes the storage modules test for are named here, once."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Final

from pymongo.errors import ConnectionFailure, DuplicateKeyError, OperationFailure

from ..domain.errors import Conflict, Unavailable

# The server's code for a duplicate key (also in a bulk write's per-document errors).
DUPLICATE_KEY: Final = 11000
# FerretDB 1.24 answers this code to `expireAfterSeconds`: there the sequencer prunes instead.
NOT_IMPLEMENTED: Final = 238
# How FerretDB's SQLite backend says "database is locked" (its error code is a generic InternalError).
SQLITE_BUSY: Final = "SQLITE_BUSY"


@contextlib.contextmanager
def database_errors() -> Iterator[None]:
    """Driver failures become domain errors, so no resolver ever sees a driver exception."""
    try:
        yield
    except ConnectionFailure as error:  # includes server-selection and network time-outs
        raise Unavailable("the database is unavailable; try again shortly") from error
    except DuplicateKeyError as error:
        raise Conflict("a document with this id already exists") from error
    except OperationFailure as error:
        # FerretDB (SQLite) when its write lock stayed taken past its busy timeout: nothing was written,
        # and a retry shortly after succeeds.
        if SQLITE_BUSY in str(error):
            raise Unavailable("the database is busy; try again shortly") from error
        raise
