"""Tests against a live `bookings-sessions serve` process (see tests/live_server.py)."""

from ..live_server import live_server

__all__ = ["live_server"]
