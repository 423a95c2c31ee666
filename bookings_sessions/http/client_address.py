"""Which client a connection speaks for: the socket's peer, or, from a TRUSTED_PROXIES proxy, the first
forwarded address from the right that is not a trusted proxy. Why: docs/production.md, "Fair share per
client".
"""

from __future__ import annotations

from collections.abc import Iterable
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network


class TrustedProxies:
    def __init__(self, networks: Iterable[str]) -> None:
        self._networks: tuple[IPv4Network | IPv6Network, ...] = tuple(
            ip_network(network, strict=False) for network in networks
        )

    def __bool__(self) -> bool:
        return bool(self._networks)

    def trusts(self, address: str) -> bool:
        parsed = _parsed(address)
        return parsed is not None and any(parsed in network for network in self._networks)

    def client(self, peer: str, headers: Iterable[tuple[bytes, bytes]]) -> str:
        """`peer` itself unless it is a trusted proxy; then the first untrusted hop it forwards."""
        if not self.trusts(peer):
            return peer
        hops = _forwarded_hops(headers)
        for hop in reversed(hops):
            if not self.trusts(hop):
                return hop
        return hops[0] if hops else peer


def _parsed(address: str) -> IPv4Address | IPv6Address | None:
    try:
        return ip_address(address)
    except ValueError:
        return None


def _forwarded_hops(headers: Iterable[tuple[bytes, bytes]]) -> list[str]:
    """The addresses a request passed through, client first: `Forwarded` if sent, else X-Forwarded-For."""
    forwarded: list[str] = []
    x_forwarded_for: list[str] = []
    for name, value in headers:
        if name == b"forwarded":
            forwarded += _forwarded_for(value.decode("latin-1"))
        elif name == b"x-forwarded-for":
            x_forwarded_for += [hop.strip() for hop in value.decode("latin-1").split(",") if hop.strip()]
    return forwarded or x_forwarded_for


def _forwarded_for(value: str) -> list[str]:
    """The `for=` nodes of an RFC 7239 header, without quotes, brackets or ports."""
    hops = []
    for element in value.split(","):
        for pair in element.split(";"):
            key, _, node = pair.strip().partition("=")
            if key.lower() == "for" and node:
                hops.append(_without_port(node.strip().strip('"')))
    return hops


def _without_port(node: str) -> str:
    if node.startswith("["):  # "[2001:db8::1]:4711"
        return node[1:].partition("]")[0]
    host, colon, port = node.rpartition(":")
    return host if colon and port.isdigit() and ":" not in host else node
