"""Settings from environment variables; a bad value stops the server at start with one clear line."""

from __future__ import annotations

import json
from ipaddress import ip_network
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from .domain.errors import BadUserInput
from .domain.timezones import zone_or_error
from .storage.client import check_uri
from .storage.ferretdb import DEFAULT_SYNCHRONOUS, Synchronous


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    mongodb_uri: str | None = None
    mongodb_database: str = "bookings"
    mongodb_driver: Literal["motor", "pymongo"] = "pymongo"
    business_time_zone: str = "UTC"
    jwt_secret: SecretStr | None = None
    jwt_public_key: str | None = None
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    graphiql: bool = True
    introspection: bool = True
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    data_dir: Path = Path("var")
    # CORS_ALLOW_ORIGINS: a JSON list or a comma-separated list of origins (scheme://host[:port]), or "*".
    cors_allow_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    cors_allow_credentials: bool = False
    log_format: Literal["json", "text"] = "json"
    metrics_enabled: bool = True
    max_query_depth: int = Field(default=10, ge=2, le=50)
    max_aliases: int = Field(default=30, ge=1, le=1000)
    max_tokens: int = Field(default=2000, ge=100, le=100_000)
    # Field selections once every fragment spread is expanded (docs/security.md).
    max_selections: int = Field(default=2000, ge=10, le=1_000_000)
    # HTTP request bodies and WebSocket messages; 1 MiB.
    max_request_bytes: int = Field(default=1_048_576, ge=1024, le=1_073_741_824)
    # The example calendar SPA's build, served at /app (bookings_sessions/spa.py); unset: the checkout's.
    spa_dir: Path | None = None
    # Automatic persisted queries: bytes of document text kept by hash (LRU, per process); 0 turns APQ off.
    persisted_queries_cache_size: int = Field(default=8 * 1024 * 1024, ge=0, le=1024 * 1024 * 1024)
    # Participant notifications (docs/design.md §5). Without a URL they are recorded and stay PENDING.
    notification_webhook_url: str | None = None
    notification_webhook_secret: SecretStr | None = Field(default=None, validate_default=True)
    notification_max_attempts: int = Field(default=8, ge=1, le=100)
    notification_dispatcher: bool = True  # false: run `bookings-sessions dispatch` processes instead
    notification_poll_seconds: float = Field(default=1.0, gt=0, le=300)
    notification_lease_seconds: float = Field(default=60.0, gt=0, le=3600)
    notification_http_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    notification_backoff_base_seconds: float = Field(default=2.0, gt=0, le=3600)
    notification_backoff_cap_seconds: float = Field(default=600.0, gt=0, le=86_400)
    # The change feed (docs/design.md §9): retention of `changes`, how often each process looks for new
    # events (sequencer and live feed), and the sequencer's lease.
    changes_retention_days: int = Field(default=30, ge=1, le=3650)
    changes_poll_seconds: float = Field(default=0.25, gt=0, le=60)
    changes_lease_seconds: float = Field(default=10.0, ge=1, le=600)
    # How often the sequencer and the dispatcher look through every session document for entries
    # whose writer died before leaving its hint (storage/pending.py); they read only hints otherwise.
    pending_scan_seconds: float = Field(default=300.0, gt=0, le=86_400)
    # Change webhooks (§9): every change event POSTed here, signed, retried as notifications are
    # (the NOTIFICATION_* attempt, lease, timeout and backoff settings). Unset: none are sent.
    change_webhook_url: str | None = None
    change_webhook_secret: SecretStr | None = Field(default=None, validate_default=True)
    # Connections (docs/production.md): a client has this long to finish its request headers
    # (and a WebSocket to send connection_init), at most this many header bytes, and this long for a
    # request body once its headers are in. Beyond MAX_CONNECTIONS open HTTP connections requests get
    # 503, beyond MAX_WEBSOCKETS upgrades do: each kind has its own cap, so neither starves the other.
    header_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    max_header_bytes: int = Field(default=65536, ge=1024, le=16 * 1024 * 1024)
    body_timeout_seconds: float = Field(default=30.0, gt=0, le=3600)
    max_connections: int = Field(default=1000, ge=1, le=1_000_000)
    max_websockets: int = Field(default=1000, ge=1, le=1_000_000)
    # A fair share per client address (429 beyond it): its open HTTP connections and its WebSockets.
    max_connections_per_client: int = Field(default=64, ge=1, le=1_000_000)
    max_websockets_per_client: int = Field(default=32, ge=1, le=1_000_000)
    # A WebSocket with no token and no operation running is closed after this long (1000 "idle").
    websocket_idle_seconds: float = Field(default=60.0, gt=0, le=86_400)
    # Reverse proxies (IP addresses or CIDR networks) whose X-Forwarded-For / Forwarded name the client;
    # from any other peer those headers are ignored and the socket's address is the client's.
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Double bookings (docs/api.md, Finding free time): what a write without `options.conflicts` does.
    conflict_policy: Literal["ALLOW", "REFUSE"] = "ALLOW"
    # Writes of session documents on their way to a FerretDB store at a time; 0: no limit.
    ferretdb_writes_at_once: int = Field(default=6, ge=0, le=1000)
    # When the embedded FerretDB's SQLite syncs to disk: NORMAL at checkpoints, FULL at every commit.
    ferretdb_synchronous: Synchronous = DEFAULT_SYNCHRONOUS
    # The speed levers of bookings_sessions/fast/ (docs/design.md §7); off: the plain components only.
    fast_paths: bool = True

    @field_validator("notification_webhook_url", "change_webhook_url")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("must be an http:// or https:// URL")
        return value

    @field_validator("notification_webhook_secret", "change_webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        # An unsigned webhook would let anyone who finds the receiver's URL forge what it sends.
        url = str(info.field_name).replace("_secret", "_url")
        if info.data.get(url) and not (value and value.get_secret_value()):
            raise ValueError(f"is required when {url.upper()} is set")
        return value

    @field_validator("notification_http_timeout_seconds")
    @classmethod
    def _timeout_within_lease(cls, value: float, info: ValidationInfo) -> float:
        # A delivery must end while its lease holds, or another dispatcher could take it over mid-POST.
        lease = info.data.get("notification_lease_seconds")
        if lease is not None and value >= lease:
            raise ValueError("must be shorter than NOTIFICATION_LEASE_SECONDS")
        return value

    @field_validator("spa_dir")
    @classmethod
    def _spa_build(cls, value: Path | None) -> Path | None:
        if value is not None and not (value / "index.html").is_file():
            raise ValueError(f"{value} holds no index.html (build it with `make spa`)")
        return value

    @field_validator("business_time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            zone_or_error(value, "BUSINESS_TIME_ZONE")
        except BadUserInput as error:
            raise ValueError(f"unknown IANA time zone {value!r}") from error
        return value

    @field_validator("mongodb_uri")
    @classmethod
    def _mongodb_uri(cls, value: str | None) -> str | None:
        if not value:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("mongodb", "mongodb+srv") or not parts.netloc:
            raise ValueError("must look like mongodb://host:port/ or mongodb+srv://host/")
        check_uri(value)
        return value

    @field_validator("cors_allow_origins", "trusted_proxies", mode="before")
    @classmethod
    def _list(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [item.strip() for item in text.split(",") if item.strip()]
        return value

    @field_validator("cors_allow_origins")
    @classmethod
    def _origin_shape(cls, value: list[str]) -> list[str]:
        for origin in value:
            parts = urlsplit(origin)
            bad = parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/")
            if origin != "*" and bad:
                raise ValueError(f"{origin!r} is not an origin like https://app.example.com")
        return [origin.rstrip("/") for origin in value]

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_networks(cls, value: list[str]) -> list[str]:
        for proxy in value:
            try:
                ip_network(proxy, strict=False)
            except ValueError:
                raise ValueError(f"{proxy!r} is not an IP address or network like 10.0.0.0/8") from None
        return value

    @model_validator(mode="after")
    def _no_wildcard_with_credentials(self) -> Settings:
        # Browsers refuse credentialed responses to "*"; echoing any origin instead would leak them.
        if self.cors_allow_credentials and "*" in self.cors_allow_origins:
            raise ValueError("CORS_ALLOW_CREDENTIALS needs explicit CORS_ALLOW_ORIGINS, not '*'")
        return self

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value


class SettingsError(RuntimeError):
    pass


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment, with a one-line error naming the variable when one is wrong."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        first = error.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "settings"
        message = first["msg"].removeprefix("Value error, ")
        raise SettingsError(f"invalid setting {name}: {message}") from None
