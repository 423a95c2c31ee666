"""Keeps the embedded FerretDB running: reaps it when it exits and starts it again, with back-off, on the same
port and data directory, so clients reconnect by themselves (docs/production.md, "The embedded FerretDB").
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from typing import Final

from .ferretdb import EmbeddedDatabaseError, EmbeddedFerretDB

log = logging.getLogger(__name__)

POLL_SECONDS: Final = 0.25
FIRST_DELAY_SECONDS: Final = 0.5
MAX_DELAY_SECONDS: Final = 30.0
# A child that ran this long before exiting had a one-off crash: the back-off starts over.
STABLE_SECONDS: Final = 60.0


def describe_exit(code: int) -> str:
    if code >= 0:
        return f"exited with code {code}"
    try:
        return f"was killed by {signal.Signals(-code).name}"
    except ValueError:
        return f"was killed by signal {-code}"


class FerretDBSupervisor:
    def __init__(
        self,
        database: EmbeddedFerretDB,
        *,
        poll_seconds: float = POLL_SECONDS,
        first_delay: float = FIRST_DELAY_SECONDS,
        max_delay: float = MAX_DELAY_SECONDS,
        stable_seconds: float = STABLE_SECONDS,
    ) -> None:
        self.database = database
        self.poll_seconds = poll_seconds
        self.first_delay = first_delay
        self.max_delay = max_delay
        self.stable_seconds = stable_seconds
        self.running = True  # False from the moment an exit is seen until a restart answers ping

    async def run(self) -> None:
        """Runs until cancelled (the server's shutdown); stopping the child stays with the lifespan."""
        delay = self.first_delay
        started = time.monotonic()
        while True:
            await asyncio.sleep(self.poll_seconds)
            pid = self.database.pid
            code = self.database.exit_code()  # polling reaps it: no zombie is left behind
            if code is None:
                continue
            self.running = False
            if time.monotonic() - started >= self.stable_seconds:
                delay = self.first_delay
            log.error(
                "store: embedded FerretDB (pid %s) %s; restarting it in %.1f s",
                pid,
                describe_exit(code),
                delay,
                extra={"fields": {"event": "ferretdb_exited", "ferretdb_pid": pid, "exit_code": code}},
            )
            delay = await self._restart(delay)
            started = time.monotonic()
            self.running = True

    async def _restart(self, delay: float) -> float:
        """Tries until FerretDB answers again; returns the delay for the next exit (doubled each try)."""
        while True:
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.max_delay)
            try:
                uri = await asyncio.to_thread(self.database.restart)
            except EmbeddedDatabaseError as error:
                log.error("store: restarting embedded FerretDB failed (%s); next try in %.1f s", error, delay)
                continue
            pid = self.database.pid
            log.warning(
                "store: embedded FerretDB restarted (pid %s) at %s",
                pid,
                uri,
                extra={"fields": {"event": "ferretdb_started", "ferretdb_pid": pid}},
            )
            return delay
