"""Bearer tokens signed with the secret every test app and live server is configured with."""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass

import jwt

SECRET = "test-secret-for-the-api-tests-only-0123456789"


class AsAdmin(enum.Enum):
    """The default caller of `Api.data`/`LiveServer.post`: an admin, with a token minted when used."""

    TOKEN = "admin"


AS_ADMIN = AsAdmin.TOKEN


@dataclass(frozen=True)
class Tokens:
    """Fresh tokens on every access, so a long run never sends an expired one by accident."""

    secret: str = SECRET

    def make(self, *roles: str, sub: str = "tester", ttl: int = 600, secret: str | None = None) -> str:
        now = int(time.time())
        claims = {"sub": sub, "roles": list(roles), "iat": now, "exp": now + ttl}
        return jwt.encode(claims, secret or self.secret, "HS256")

    @property
    def admin(self) -> str:
        return self.make("BOOKINGS_ADMIN")

    @property
    def staff(self) -> str:
        return self.make("BOOKINGS_STAFF")

    @property
    def service(self) -> str:
        return self.make("SERVICE")

    def resolve(self, token: str | AsAdmin | None) -> str | None:
        return self.admin if isinstance(token, AsAdmin) else token
