"""`Api`: the real ASGI app, driven through httpx, as the API tests talk to it."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette

from bookings_sessions.app import create_app
from bookings_sessions.settings import Settings

from .graphql import CREATE, GET, UPDATE, single_session_info, weekly_series_info
from .tokens import AS_ADMIN, AsAdmin, Tokens

# The `settings_for` fixture: the test app's settings, any of them overridden by name.
SettingsFor = Callable[..., Settings]


def app_settings(uri: str, database: str, data_dir: Path, tokens: Tokens, /, **overrides: Any) -> Settings:
    """What every test app runs with: `database` on the FerretDB at `uri`, the tokens' secret, in UTC;
    `overrides` win (positional-only parameters, so an override may be named like one of them)."""
    values: dict[str, Any] = {
        "mongodb_uri": uri,
        "mongodb_database": database,
        "jwt_secret": tokens.secret,
        "data_dir": data_dir,
        "business_time_zone": "UTC",
        **overrides,
    }
    return Settings(**values)


@dataclass
class Api:
    client: httpx.AsyncClient
    app: Starlette
    tokens: Tokens

    async def post(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None, **extra: Any
    ) -> dict[str, Any]:
        """The whole response body; without a token, as an anonymous visitor."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await self.client.post(
            "/graphql", json={"query": query, "variables": variables or {}, **extra}, headers=headers
        )
        body: dict[str, Any] = response.json()
        return body

    async def data(
        self, query: str, variables: dict[str, Any] | None = None, token: str | AsAdmin | None = AS_ADMIN
    ) -> dict[str, Any]:
        """The `data` of a request that must succeed (as an admin unless told otherwise)."""
        body = await self.post(query, variables, self.tokens.resolve(token))
        assert "errors" not in body, body
        result: dict[str, Any] = body["data"]
        return result

    async def error(
        self, query: str, variables: dict[str, Any] | None = None, token: str | AsAdmin | None = AS_ADMIN
    ) -> dict[str, Any]:
        """The first error of a request that must fail (as an admin unless told otherwise)."""
        body = await self.post(query, variables, self.tokens.resolve(token))
        assert body.get("errors"), body
        first: dict[str, Any] = body["errors"][0]
        return first

    async def create_single(self, query: str = CREATE, **overrides: Any) -> dict[str, Any]:
        """Creates the reference's example session (`single_session_info`, fields overridable)."""
        created: dict[str, Any] = (await self.data(query, {"info": single_session_info(**overrides)}))[
            "createSession"
        ]
        return created

    async def create_series(self, **changes: Any) -> dict[str, Any]:
        """Creates a weekly series (`weekly_series_info`, its arguments and fields overridable)."""
        created: dict[str, Any] = (await self.data(CREATE, {"info": weekly_series_info(**changes)}))[
            "createSession"
        ]
        return created

    async def session(self, session_id: str, query: str = GET) -> dict[str, Any]:
        found: dict[str, Any] = (await self.data(query, {"id": session_id}))["session"]
        return found

    async def update(self, session_id: str, info: dict[str, Any], query: str = UPDATE) -> dict[str, Any]:
        updated: dict[str, Any] = (await self.data(query, {"id": session_id, "info": info}))["updateSession"]
        return updated


@contextlib.asynccontextmanager
async def serving(settings: Settings, tokens: Tokens) -> AsyncIterator[Api]:
    """The app started (its lifespan run) on `settings`, and a client to it."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield Api(client=client, app=app, tokens=tokens)
