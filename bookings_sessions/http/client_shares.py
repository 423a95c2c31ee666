"""Open HTTP connections and WebSockets counted apart, each in all (MAX_CONNECTIONS, MAX_WEBSOCKETS) and per
client address (the *_PER_CLIENT shares), in the process. Why: docs/production.md, "Fair share per client".
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Final

log = logging.getLogger("bookings_sessions.connections")
# Refusals are logged at most this often (with how many since), so a flood does not flood the log.
LOG_INTERVAL_SECONDS: Final = 10.0


@dataclass
class Share:
    """Open connections of one kind: how many in all, and per client address."""

    kind: str
    cap: int
    per_client: int
    total: int = 0
    _by_client: dict[str, int] = field(default_factory=dict)
    _refused: int = 0
    _logged_at: float = float("-inf")

    def full(self) -> bool:
        return self.total >= self.cap

    def join(self, client: str) -> bool:
        """Counts one more for `client`, unless it already holds its share."""
        held = self._by_client.get(client, 0)
        if held >= self.per_client:
            return False
        self._by_client[client] = held + 1
        return True

    def leave(self, client: str) -> None:
        held = self._by_client.get(client, 0) - 1
        if held > 0:
            self._by_client[client] = held
        else:
            self._by_client.pop(client, None)

    def refused(self, client: str, why: str) -> None:
        self._refused += 1
        now = time.monotonic()
        if now - self._logged_at >= LOG_INTERVAL_SECONDS:
            log.warning(
                "%s refused (%s): %d since the previous such line, the last one from %s",
                self.kind,
                why,
                self._refused,
                client,
                extra={"fields": {"event": "connection_refused", "kind": self.kind, "reason": why}},
            )
            self._refused, self._logged_at = 0, now


@dataclass
class ClientShares:
    http: Share
    websockets: Share

    @classmethod
    def of(
        cls,
        max_connections: int,
        max_websockets: int,
        per_client_connections: int,
        per_client_websockets: int,
    ) -> ClientShares:
        return cls(
            Share("HTTP connection", max_connections, per_client_connections),
            Share("WebSocket", max_websockets, per_client_websockets),
        )
