"""CORS for single-page apps: origins from CORS_ALLOW_ORIGINS, preflight answered, no credentials."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import pytest

from bookings_sessions.app import create_app
from bookings_sessions.settings import SettingsError, load_settings
from tests.support.api import SettingsFor

SPA = "https://spa.example"
PREFLIGHT = {
    "Origin": SPA,
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization, content-type",
}

ClientFactory = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def client_for(settings_for: SettingsFor) -> ClientFactory:
    @asynccontextmanager
    async def client(**overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
        app = create_app(settings_for(**overrides))
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://api.example") as http:
                yield http

    return client


async def test_preflight_from_an_allowed_origin_is_answered(client_for: ClientFactory) -> None:
    async with client_for(cors_allow_origins=[SPA]) as client:
        response = await client.options("/graphql", headers=PREFLIGHT)

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == SPA
    assert "POST" in response.headers["access-control-allow-methods"]
    allowed_headers = response.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed_headers and "content-type" in allowed_headers
    assert "access-control-allow-credentials" not in response.headers
    assert response.headers["x-request-id"]


async def test_cross_origin_post_is_readable_by_the_allowed_origin(client_for: ClientFactory) -> None:
    async with client_for(cors_allow_origins=[SPA]) as client:
        response = await client.post("/graphql", json={"query": "{ __typename }"}, headers={"Origin": SPA})

    assert response.json() == {"data": {"__typename": "Query"}}
    assert response.headers["access-control-allow-origin"] == SPA
    assert "x-request-id" in response.headers["access-control-expose-headers"].lower()
    assert "access-control-allow-credentials" not in response.headers


async def test_other_origins_get_no_cors_headers(client_for: ClientFactory) -> None:
    async with client_for(cors_allow_origins=[SPA]) as client:
        preflight = await client.options("/graphql", headers={**PREFLIGHT, "Origin": "https://evil.example"})
        post = await client.post(
            "/graphql", json={"query": "{ __typename }"}, headers={"Origin": "https://evil.example"}
        )

    assert preflight.status_code == 400
    assert "access-control-allow-origin" not in preflight.headers
    assert "access-control-allow-origin" not in post.headers


async def test_without_the_setting_no_origin_is_allowed(client_for: ClientFactory) -> None:
    async with client_for() as client:
        preflight = await client.options("/graphql", headers=PREFLIGHT)

    assert preflight.status_code == 405
    assert "access-control-allow-origin" not in preflight.headers


async def test_credentials_only_when_configured(client_for: ClientFactory) -> None:
    async with client_for(cors_allow_origins=[SPA], cors_allow_credentials=True) as client:
        response = await client.options("/graphql", headers=PREFLIGHT)

    assert response.headers["access-control-allow-origin"] == SPA
    assert response.headers["access-control-allow-credentials"] == "true"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ('["https://a.example", "http://localhost:3000"]', ["https://a.example", "http://localhost:3000"]),
        ("https://a.example, http://localhost:3000", ["https://a.example", "http://localhost:3000"]),
        ("https://a.example/", ["https://a.example"]),
        ("*", ["*"]),
        ("", []),
    ],
)
def test_cors_allow_origins_accepts_json_or_comma_separated(
    monkeypatch: pytest.MonkeyPatch, raw: str, expected: list[str]
) -> None:
    monkeypatch.setenv("CORS_ALLOW_ORIGINS", raw)
    assert load_settings().cors_allow_origins == expected


@pytest.mark.parametrize(
    ("origins", "credentials", "message"),
    [
        ("spa.example", "false", "CORS_ALLOW_ORIGINS"),
        ("https://spa.example/app", "false", "CORS_ALLOW_ORIGINS"),
        ("*", "true", "CORS_ALLOW_CREDENTIALS"),
    ],
)
def test_bad_cors_settings_stop_the_server(
    monkeypatch: pytest.MonkeyPatch, origins: str, credentials: str, message: str
) -> None:
    monkeypatch.setenv("CORS_ALLOW_ORIGINS", origins)
    monkeypatch.setenv("CORS_ALLOW_CREDENTIALS", credentials)
    with pytest.raises(SettingsError, match=message):
        load_settings()
