"""The real ASGI app, driven through httpx, on the real FerretDB server."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from starlette.applications import Starlette

from bookings_sessions.app import create_app
from bookings_sessions.settings import Settings
from bookings_sessions.storage.ferretdb import EmbeddedFerretDB

from .queries import CREATE, single_session_info

SECRET = "test-secret-for-the-api-tests-only-0123456789"


def make_token(*roles: str, sub: str = "tester", ttl: int = 600, secret: str = SECRET) -> str:
    now = int(time.time())
    return jwt.encode({"sub": sub, "roles": list(roles), "iat": now, "exp": now + ttl}, secret, "HS256")


ADMIN = make_token("BOOKINGS_ADMIN")
STAFF = make_token("BOOKINGS_STAFF")
SERVICE = make_token("SERVICE")


@dataclass
class Api:
    client: httpx.AsyncClient
    app: Starlette

    async def post(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None, **extra: Any
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await self.client.post(
            "/graphql", json={"query": query, "variables": variables or {}, **extra}, headers=headers
        )
        body: dict[str, Any] = response.json()
        return body

    async def data(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = ADMIN
    ) -> dict[str, Any]:
        """The `data` of a request that must succeed."""
        body = await self.post(query, variables, token)
        assert "errors" not in body, body
        result: dict[str, Any] = body["data"]
        return result

    async def error(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = ADMIN
    ) -> dict[str, Any]:
        """The first error of a request that must fail."""
        body = await self.post(query, variables, token)
        assert body.get("errors"), body
        first: dict[str, Any] = body["errors"][0]
        return first


def settings_for(uri: str, database: str, data_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "mongodb_uri": uri,
        "mongodb_database": database,
        "jwt_secret": SECRET,
        "data_dir": data_dir,
        "business_time_zone": "UTC",
        **overrides,
    }
    return Settings(**values)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {}


@pytest.fixture
async def api(
    ferretdb: EmbeddedFerretDB, database_name: str, tmp_path: Path, settings_overrides: dict[str, Any]
) -> AsyncIterator[Api]:
    app = create_app(settings_for(ferretdb.uri, database_name, tmp_path, **settings_overrides))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield Api(client=client, app=app)
        runtime = app.state.runtime
        await runtime.client.drop_database(database_name)


async def create_single(api: Api, **overrides: Any) -> dict[str, Any]:
    """Creates the reference's example session (fields overridable) as an admin."""
    created: dict[str, Any] = (await api.data(CREATE, {"info": single_session_info(**overrides)}))[
        "createSession"
    ]
    return created
