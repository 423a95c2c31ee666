"""The loop every background worker runs: rounds until cancelled, a failed round logged and retried."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable


async def run_rounds(
    one_round: Callable[[], Awaitable[bool]],
    *,
    poll_seconds: float,
    log: logging.Logger,
    what: str,
    after_failure: Callable[[], None] | None = None,
) -> None:
    """Until cancelled: `one_round`, then a sleep of `poll_seconds` unless it did something (True).

    A round that fails is logged and `after_failure` runs; the next round retries (the database may be
    back). A cancel ends the loop at the end of its round even when a call inside swallowed it.
    """
    while True:
        busy = False
        try:
            busy = await one_round()
        except Exception:
            if not _asked_to_stop():  # a failure caused by stopping is no failure
                log.exception("%s round failed; retrying", what)
                if after_failure is not None:
                    after_failure()
        if _asked_to_stop():
            raise asyncio.CancelledError
        if not busy:
            await asyncio.sleep(poll_seconds)


def _asked_to_stop() -> bool:
    # PyMongo's async client can take the cancel meant for the task awaiting it and return (or fail on
    # the client shutdown closed next); the task still counts the request. Without this, the loop would
    # poll a closed client forever.
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0
