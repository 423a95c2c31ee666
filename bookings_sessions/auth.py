"""Bearer JWTs: verifying callers' tokens, and signing development tokens with the same key."""

from __future__ import annotations

import logging
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt

from .domain.callers import ANONYMOUS, Caller, Role
from .domain.errors import Unauthenticated
from .settings import Settings

log = logging.getLogger(__name__)
DEV_SECRET_FILE = "dev-jwt-secret"
LEEWAY_SECONDS = 30
_VERIFIED: dict[tuple[object, str], tuple[Caller, float]] = {}  # (keys, token) -> (caller, valid until)
_ROLE_NAMES = frozenset(role.value for role in Role)


@dataclass(frozen=True, slots=True)
class TokenKeys:
    """Resolved once at start: verifying a token never touches the disk."""

    verify_key: str
    algorithm: str
    issuer: str | None
    audience: str | None
    development: bool

    def decode(self, token: str) -> Caller:
        try:
            claims = jwt.decode(
                token,
                self.verify_key,
                algorithms=[self.algorithm],
                issuer=self.issuer,
                audience=self.audience,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("the token has expired") from None
        except jwt.PyJWTError as error:
            raise Unauthenticated(f"invalid token: {error}") from None
        raw_roles = claims.get("roles", [])
        # All or nothing: a role we do not know (a typo, another system's) is a token minted wrongly, and
        # any other shape (a string, an object, numbers) would otherwise fail further in as a 500.
        if not isinstance(raw_roles, list) or not all(
            isinstance(role, str) and role in _ROLE_NAMES for role in raw_roles
        ):
            raise Unauthenticated(f"invalid token: roles must be a list of {', '.join(sorted(_ROLE_NAMES))}")
        return Caller(subject=str(claims["sub"]), roles=frozenset(Role(role) for role in raw_roles))

    def decode_cached(self, token: str) -> Caller:
        """SPAs send the same token on every request: verify it once, reuse the caller until it expires."""
        hit = _VERIFIED.get((self, token))
        if hit is not None and time.time() < hit[1]:
            return hit[0]
        caller = self.decode(token)  # raises on a bad or expired token, which is then not cached
        claims = jwt.decode(token, options={"verify_signature": False})
        if len(_VERIFIED) >= 4096:
            _VERIFIED.clear()
        _VERIFIED[(self, token)] = (caller, float(claims["exp"]) + LEEWAY_SECONDS)
        return caller

    def caller_from_header(self, authorization: str | None) -> Caller:
        if not authorization:
            return ANONYMOUS
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("the Authorization header must be 'Bearer <token>'")
        return self.decode_cached(token.strip())


def _development_secret(data_dir: Path) -> str:
    path = data_dir / DEV_SECRET_FILE
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    # Created with 0600 from the start so the secret is never readable by others, even briefly.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secret)
    return secret


def token_keys(settings: Settings) -> TokenKeys:
    if settings.jwt_public_key:
        return TokenKeys(
            settings.jwt_public_key, "RS256", settings.jwt_issuer, settings.jwt_audience, development=False
        )
    if settings.jwt_secret is not None:
        secret = settings.jwt_secret.get_secret_value()
        return TokenKeys(secret, "HS256", settings.jwt_issuer, settings.jwt_audience, development=False)
    secret = _development_secret(settings.data_dir)
    return TokenKeys(secret, "HS256", settings.jwt_issuer, settings.jwt_audience, development=True)


def sign_token(settings: Settings, roles: list[Role], *, subject: str, ttl_seconds: int) -> str:
    """HS256 only: with an RS256 public key the private half lives with the real identity provider."""
    if settings.jwt_public_key:
        raise ValueError("JWT_PUBLIC_KEY is set: tokens come from your identity provider, not this tool")
    keys = token_keys(settings)
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": subject,
        "roles": [role.value for role in roles],
        "iat": now,
        "exp": now + ttl_seconds,
    }
    if settings.jwt_issuer:
        claims["iss"] = settings.jwt_issuer
    if settings.jwt_audience:
        claims["aud"] = settings.jwt_audience
    return jwt.encode(claims, keys.verify_key, algorithm="HS256")
