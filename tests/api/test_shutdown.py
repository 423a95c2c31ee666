"""Stopping the app never waits forever on a background task that does not end when cancelled."""

from __future__ import annotations

import asyncio

from bookings_sessions.app import create_app
from bookings_sessions.storage.client import close_client
from tests.support.api import SettingsFor

# Only a bound for a regression (the app would otherwise never stop); no speed is asserted.
HANG = 20


async def test_shutdown_does_not_wait_on_a_task_stuck_past_its_cancel(settings_for: SettingsFor) -> None:
    app = create_app(settings_for())
    release = asyncio.Event()

    async def stuck() -> None:
        # As a PyMongo call cancelled while waiting for a database that is gone: it keeps waiting.
        while not release.is_set():
            try:
                await release.wait()
            except asyncio.CancelledError:
                continue

    async with asyncio.timeout(HANG):
        async with app.router.lifespan_context(app):
            task = asyncio.create_task(stuck(), name="stuck-driver-call")
            app.state.runtime.extra_tasks.append(task)
            await asyncio.sleep(0)  # running: its coroutine sees the cancel
    assert not task.done()  # shutdown finished without it
    release.set()
    await task


async def test_shutdown_does_not_wait_on_a_driver_close_that_never_returns(settings_for: SettingsFor) -> None:
    app = create_app(settings_for())

    class NeverClosing:
        """As PyMongo's async client whose close() waits for a topology lock a stuck call holds."""

        async def close(self) -> None:
            await asyncio.Event().wait()

    async with asyncio.timeout(HANG):
        async with app.router.lifespan_context(app):
            runtime = app.state.runtime
            readiness, runtime.readiness_client = runtime.readiness_client, NeverClosing()
    await close_client(readiness)
