"""Operations: health and readiness, settings from the environment, GraphiQL and introspection switches."""

from __future__ import annotations

import gc
import logging
import warnings
from pathlib import Path
from typing import Any

import httpx
import pytest

from bookings_sessions.app import create_app
from bookings_sessions.settings import Settings, SettingsError, load_settings
from tests.support.api import Api, SettingsFor, serving
from tests.support.tokens import Tokens

INTROSPECTION = "{ __schema { queryType { name } } }"
SETTINGS_VARIABLES = [name.upper() for name in Settings.model_fields]


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No setting leaks in from the developer's shell or CI."""
    for name in SETTINGS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


# --- health ---------------------------------------------------------------------------------------


async def test_healthz_answers_ok(api: Api) -> None:
    response = await api.client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


async def test_readyz_answers_ready_when_the_database_pings(api: Api) -> None:
    response = await api.client.get("/readyz")
    assert (response.status_code, response.json()) == (200, {"status": "ready"})


async def test_startup_freezes_its_heap_out_of_the_collector(
    settings_for: SettingsFor, tokens: Tokens
) -> None:
    gc.unfreeze()
    async with serving(settings_for(), tokens):
        assert gc.get_freeze_count() > 0


async def test_readyz_is_503_before_the_app_has_started(settings_for: SettingsFor) -> None:
    # No lifespan: the store was never built.
    app = create_app(settings_for(mongodb_uri="mongodb://127.0.0.1:1/", mongodb_database="never"))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        assert (await client.get("/readyz")).status_code == 503
        assert (await client.get("/healthz")).status_code == 200


async def test_the_pymongo_driver_app_closes_its_client(
    settings_for: SettingsFor, tokens: Tokens, database_name: str
) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        async with serving(settings_for(mongodb_driver="pymongo"), tokens) as api:
            assert (await api.client.get("/readyz")).status_code == 200
            await api.app.state.runtime.client.drop_database(database_name)
    never_awaited = [str(warning.message) for warning in caught if "never awaited" in str(warning.message)]
    assert never_awaited == []


# --- GraphiQL and introspection -------------------------------------------------------------------


async def test_graphiql_is_served_by_default(api: Api) -> None:
    response = await api.client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "graphiql" in response.text.lower()


async def test_introspection_is_on_by_default(api: Api) -> None:
    body = await api.post(INTROSPECTION, None, None)
    assert body == {"data": {"__schema": {"queryType": {"name": "Query"}}}}


class TestSwitchedOff:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"graphiql": False, "introspection": False}

    async def test_no_graphiql_page(self, api: Api) -> None:
        response = await api.client.get("/graphql", headers={"Accept": "text/html"})
        assert not response.headers.get("content-type", "").startswith("text/html")
        assert "graphiql" not in response.text.lower()

    async def test_no_introspection(self, api: Api) -> None:
        body = await api.post(INTROSPECTION, None, None)
        assert body.get("data") is None
        assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"

    async def test_queries_still_work(self, api: Api) -> None:
        body = await api.post('{ session(id: "none") { _id } }', None, None)
        assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"


# --- settings -------------------------------------------------------------------------------------


def test_defaults(clean_environment: pytest.MonkeyPatch) -> None:
    settings = load_settings()
    assert settings.mongodb_uri is None  # the embedded FerretDB
    assert settings.mongodb_database == "bookings"
    assert settings.business_time_zone == "UTC"
    assert settings.jwt_secret is None and settings.jwt_public_key is None
    assert settings.graphiql is True
    assert settings.log_level == "INFO"
    assert settings.data_dir == Path("var")
    # The embedded store syncs at checkpoints, and six writes at a time keep its write tail short
    # (docs/design.md §4, "Durability of the embedded store"; docs/performance.md, round 9).
    assert (settings.ferretdb_synchronous, settings.ferretdb_writes_at_once) == ("NORMAL", 6)


def test_every_documented_variable_is_read(clean_environment: pytest.MonkeyPatch) -> None:
    values = {
        "MONGODB_URI": "mongodb://db.example:27017/?retryWrites=true",
        "MONGODB_DATABASE": "calendar",
        "BUSINESS_TIME_ZONE": "Europe/London",
        "JWT_SECRET": "s3cret-value-for-the-test",
        "JWT_ISSUER": "https://id.example",
        "JWT_AUDIENCE": "bookings",
        "GRAPHIQL": "false",
        "LOG_LEVEL": "debug",
        "DATA_DIR": "/tmp/bookings-data",
    }
    for name, value in values.items():
        clean_environment.setenv(name, value)
    settings = load_settings()
    assert settings.mongodb_uri == values["MONGODB_URI"]
    assert settings.mongodb_database == "calendar"
    assert settings.business_time_zone == "Europe/London"
    assert settings.jwt_secret is not None
    assert settings.jwt_secret.get_secret_value() == values["JWT_SECRET"]
    assert values["JWT_SECRET"] not in repr(settings)
    assert (settings.jwt_issuer, settings.jwt_audience) == ("https://id.example", "bookings")
    assert settings.graphiql is False
    assert settings.log_level == "DEBUG"
    assert settings.data_dir == Path("/tmp/bookings-data")


def test_an_empty_mongodb_uri_means_the_embedded_database(clean_environment: pytest.MonkeyPatch) -> None:
    clean_environment.setenv("MONGODB_URI", "")
    assert load_settings().mongodb_uri is None


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("BUSINESS_TIME_ZONE", "Mars/Olympus"),
        ("BUSINESS_TIME_ZONE", "../../etc/passwd"),
        ("MONGODB_URI", "http://localhost:27017/"),
        ("MONGODB_URI", "localhost:27017"),
        ("MONGODB_URI", "mongodb://localhost:notaport/"),
        ("MONGODB_URI", "mongodb://localhost/?noSuchOption=1"),
        ("MONGODB_URI", "mongodb://user:pass@/"),
        ("LOG_LEVEL", "LOUD"),
        ("GRAPHIQL", "maybe"),
        ("MAX_QUERY_DEPTH", "1"),
        ("FERRETDB_SYNCHRONOUS", "OFF"),
    ],
)
def test_a_bad_setting_is_one_line_naming_the_variable(
    clean_environment: pytest.MonkeyPatch, name: str, value: str
) -> None:
    clean_environment.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith(f"invalid setting {name}:")
    assert "\n" not in message


def test_a_bad_uri_does_not_echo_its_password(clean_environment: pytest.MonkeyPatch) -> None:
    clean_environment.setenv("MONGODB_URI", "mongodb://admin:hunter2@localhost:notaport/")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert "hunter2" not in str(caught.value)


async def test_the_store_line_at_start_says_what_it_means_for_several_processes(
    settings_for: SettingsFor, tokens: Tokens, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 21: "atomic single-document updates: False" alarmed without saying it matters only when
    several server processes write the same sessions (docs/design.md §4)."""
    with caplog.at_level(logging.INFO, logger="bookings_sessions"):
        async with serving(settings_for(), tokens):
            pass
    [line] = [record.getMessage() for record in caplog.records if "single-document" in record.getMessage()]
    assert "False" not in line and "True" not in line, line
    assert "FerretDB" in line and "one server process" in line and "design.md" in line, line
