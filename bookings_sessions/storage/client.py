"""The one place that picks the MongoDB driver: PyMongo's own async client on the event loop (default), or
motor, still available and tested (why the default: docs/performance.md, round 2, lever 1).
"""

from __future__ import annotations

import inspect
from datetime import UTC
from typing import Any, Literal

from motor.motor_asyncio import AsyncIOMotorClient
from pymongo import AsyncMongoClient
from pymongo.errors import PyMongoError
from pymongo.uri_parser import parse_uri

Driver = Literal["motor", "pymongo"]


def create_client(
    uri: str,
    driver: Driver = "pymongo",
    *,
    server_selection_timeout_ms: int = 3000,
    operation_timeout_ms: int | None = None,
) -> Any:
    """Both clients share an API; callers use only what both have (find, find_one_and_update, …).

    `operation_timeout_ms` (the driver's timeoutMS) bounds a whole operation, server selection and the
    wait for a reply included, so a hung server cannot hold it; unset, an operation waits for its reply.
    """
    options: dict[str, Any] = {
        "tz_aware": True,
        "tzinfo": UTC,
        "serverSelectionTimeoutMS": server_selection_timeout_ms,
        "connectTimeoutMS": server_selection_timeout_ms,
        "timeoutMS": operation_timeout_ms,
        "appname": "bookings-sessions",
    }
    if driver == "pymongo":
        return AsyncMongoClient(uri, **options)
    return AsyncIOMotorClient(uri, **options)


def check_uri(uri: str) -> None:
    """The driver's own parser, so a bad port or option fails at configuration, not as a traceback.

    It would resolve DNS for mongodb+srv://, whose syntax is otherwise that of mongodb://.
    """
    try:
        parse_uri("mongodb://" + uri.split("://", 1)[1])
    except (ValueError, PyMongoError) as error:
        raise ValueError(f"not a valid MongoDB URI: {error}") from None


async def close_client(client: Any) -> None:
    """motor's close() is synchronous, PyMongo's async client's is a coroutine."""
    result = client.close()
    if inspect.isawaitable(result):
        await result
