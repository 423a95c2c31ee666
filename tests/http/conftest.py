"""Fixtures: a live `bookings-sessions serve` process (tests/live_server.py) and the in-process app."""

from ..api.conftest import api, settings_overrides
from ..live_server import live_server

__all__ = ["api", "live_server", "settings_overrides"]
