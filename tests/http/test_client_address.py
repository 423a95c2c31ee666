"""The client address the per-client shares count (http/client_address.py)."""

from __future__ import annotations

import pytest

from bookings_sessions.http.client_address import TrustedProxies

PROXIES = TrustedProxies(["10.0.0.0/8", "2001:db8::1"])


def headers(**values: str) -> list[tuple[bytes, bytes]]:
    return [(name.replace("_", "-").encode(), value.encode()) for name, value in values.items()]


@pytest.mark.parametrize(
    ("peer", "sent", "client"),
    [
        # From an untrusted peer the headers are ignored, whatever they say.
        ("198.51.100.7", headers(x_forwarded_for="203.0.113.1"), "198.51.100.7"),
        ("198.51.100.7", headers(forwarded="for=203.0.113.1"), "198.51.100.7"),
        # A trusted proxy's peer: the first hop from the right that is not a trusted proxy.
        ("10.1.2.3", headers(x_forwarded_for="203.0.113.1"), "203.0.113.1"),
        ("10.1.2.3", headers(x_forwarded_for="1.1.1.1, 203.0.113.1, 10.9.9.9"), "203.0.113.1"),
        ("10.1.2.3", headers(x_forwarded_for="10.0.0.5, 10.0.0.6"), "10.0.0.5"),
        ("10.1.2.3", [], "10.1.2.3"),
        # RFC 7239, with quotes, IPv6 brackets and ports; it wins over X-Forwarded-For.
        ("2001:db8::1", headers(forwarded='for="[2001:db8::7]:4711";proto=https'), "2001:db8::7"),
        ("10.1.2.3", headers(forwarded="for=203.0.113.1:8080, for=10.0.0.9"), "203.0.113.1"),
        ("10.1.2.3", headers(forwarded="for=203.0.113.2", x_forwarded_for="203.0.113.3"), "203.0.113.2"),
        # Not an address: a client of its own, counted as such.
        ("10.1.2.3", headers(x_forwarded_for="unknown"), "unknown"),
    ],
)
def test_the_client_address(peer: str, sent: list[tuple[bytes, bytes]], client: str) -> None:
    assert PROXIES.client(peer, sent) == client


def test_without_trusted_proxies_the_peer_is_the_client() -> None:
    assert TrustedProxies([]).client("10.1.2.3", headers(x_forwarded_for="203.0.113.1")) == "10.1.2.3"
