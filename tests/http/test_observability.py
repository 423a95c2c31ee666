"""/metrics in Prometheus text, JSON logs, and the request id that links a response to its log lines."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families
from starlette.applications import Starlette

from bookings_sessions.app import create_app
from bookings_sessions.observability import JsonFormatter, Metrics, RequestInfo, _current, current_request
from tests.support.api import SettingsFor
from tests.support.live_server import LiveServer
from tests.support.tokens import Tokens


@pytest.fixture
async def app(settings_for: SettingsFor) -> AsyncIterator[Starlette]:
    app = create_app(settings_for())
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    # raise_app_exceptions=False: see what a real client would get from an unexpected error.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


def samples(text: str, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    """Samples of one metric, keyed by their sorted labels."""
    found: dict[tuple[tuple[str, str], ...], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                found[tuple(sorted(sample.labels.items()))] = sample.value
    return found


async def test_metrics_count_and_time_operations_by_name_and_code(
    client: httpx.AsyncClient, tokens: Tokens
) -> None:
    for _ in range(2):
        await client.post("/graphql", json={"query": "query Ping { __typename }"})
    await client.post("/graphql", json={"query": "query Broken { nope }"})
    await client.post("/graphql", json={"query": 'mutation Cancel { deleteSession(sessionId: "x") { _id } }'})
    await client.post(
        "/graphql",
        json={"query": 'query Missing { session(id: "nope") { _id } }'},
        headers={"Authorization": f"Bearer {tokens.staff}"},
    )

    response = await client.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    counts = samples(response.text, "graphql_operations_total")
    assert counts[(("code", "OK"), ("operation", "Ping"), ("type", "query"))] == 2
    assert counts[(("code", "GRAPHQL_VALIDATION_FAILED"), ("operation", "Broken"), ("type", "query"))] == 1
    assert counts[(("code", "UNAUTHENTICATED"), ("operation", "Cancel"), ("type", "mutation"))] == 1
    assert counts[(("code", "NOT_FOUND"), ("operation", "Missing"), ("type", "query"))] == 1
    latency = samples(response.text, "graphql_operation_duration_seconds_count")
    assert latency[(("code", "OK"), ("operation", "Ping"), ("type", "query"))] == 2
    buckets = samples(response.text, "graphql_operation_duration_seconds_bucket")
    assert buckets[(("code", "OK"), ("le", "+Inf"), ("operation", "Ping"), ("type", "query"))] == 2
    http_counts = samples(response.text, "http_requests_total")
    assert http_counts[(("method", "POST"), ("route", "/graphql"), ("status", "200"))] == 5


def test_latency_buckets_are_cumulative_and_inclusive_of_their_bound() -> None:
    metrics = Metrics()
    for seconds in (0.005, 0.007, 0.3, 20.0):  # on a bound, between two, and above the last
        metrics.record_operation("Timed", "query", "OK", seconds)
    metrics.observe_http("POST", "/graphql", 200, 0.004)
    metrics.observe_http("POST", "/graphql", 400, 0.2)

    text = generate_latest(metrics.registry).decode()
    labels = (("code", "OK"), ("operation", "Timed"), ("type", "query"))
    buckets = samples(text, "graphql_operation_duration_seconds_bucket")
    expected = {"0.005": 1, "0.01": 2, "0.25": 2, "0.5": 3, "10.0": 3, "+Inf": 4}
    for bound, count in expected.items():
        assert buckets[tuple(sorted((*labels, ("le", bound))))] == count, bound
    assert samples(text, "graphql_operation_duration_seconds_sum")[labels] == pytest.approx(20.312)
    assert samples(text, "graphql_operations_total")[labels] == 4
    # The HTTP histogram is by method and route; the counter also by status.
    route = (("method", "POST"), ("route", "/graphql"))
    assert samples(text, "http_request_duration_seconds_count")[route] == 2
    assert samples(text, "http_requests_total")[(*route, ("status", "400"))] == 1


def test_operation_names_cannot_grow_the_label_set_without_bound() -> None:
    metrics = Metrics()
    labels = {metrics.operation_label(f"Op{index}") for index in range(1000)}

    assert len(labels) == 201 and "other" in labels
    assert metrics.operation_label("Op1") == "Op1"
    assert metrics.operation_label(None) == "anonymous"
    assert metrics.operation_label("x" * 65) == "other"


async def test_request_id_is_taken_when_valid_and_made_otherwise(client: httpx.AsyncClient) -> None:
    given = await client.get("/healthz", headers={"X-Request-Id": "trace-42.abc:1"})
    invalid = await client.get("/healthz", headers={"X-Request-Id": "no spaces\tor tabs"})
    too_long = await client.get("/healthz", headers={"X-Request-Id": "a" * 129})
    absent = await client.post("/graphql", json={"query": "{ __typename }"})

    assert given.headers["x-request-id"] == "trace-42.abc:1"
    for response in (invalid, too_long, absent):
        generated = response.headers["x-request-id"]
        assert len(generated) == 32 and int(generated, 16) >= 0
    assert invalid.headers["x-request-id"] != absent.headers["x-request-id"]


async def test_an_unexpected_error_is_a_500_with_the_request_id_logged_with_its_traceback(
    app: Starlette,
    client: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def broken_ping() -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(app.state.runtime.readiness, "ping", broken_ping)
    seen: list[str | None] = []
    handler = logging.Handler()
    handler.emit = lambda record: seen.append(getattr(current_request(), "request_id", None))  # type: ignore[method-assign]
    logging.getLogger("bookings_sessions.errors").addHandler(handler)
    try:
        with caplog.at_level(logging.ERROR, logger="bookings_sessions.errors"):
            response = await client.get("/readyz", headers={"X-Request-Id": "boom-1"})
    finally:
        logging.getLogger("bookings_sessions.errors").removeHandler(handler)

    assert response.status_code == 500
    assert response.headers["x-request-id"] == "boom-1"
    assert response.json()["errors"][0]["extensions"]["code"] == "INTERNAL"
    assert "disk on fire" not in response.text
    assert seen == ["boom-1"]
    assert any(record.exc_info and "disk on fire" in str(record.exc_info[1]) for record in caplog.records)


async def test_probes_and_scrapes_log_at_debug_only(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="bookings_sessions.access"):
        await client.get("/healthz")
        await client.get("/metrics")
        await client.post("/graphql", json={"query": "{ __typename }"})

    levels = {
        record.getMessage(): record.levelno for record in caplog.records if record.name.endswith("access")
    }
    assert levels == {
        "GET /healthz 200": logging.DEBUG,
        "GET /metrics 200": logging.DEBUG,
        "POST /graphql 200": logging.INFO,
    }


def test_json_formatter_writes_one_object_with_the_request_id() -> None:
    record = logging.LogRecord("bookings_sessions.x", logging.ERROR, __file__, 1, "boom %s", ("here",), None)
    record.fields = {"status": 500}
    token = _current.set(RequestInfo("req-1"))
    try:
        line = JsonFormatter().format(record)
    finally:
        _current.reset(token)

    assert "\n" not in line
    document = orjson.loads(line)
    assert document["message"] == "boom here" and document["level"] == "ERROR"
    assert document["request_id"] == "req-1" and document["status"] == 500
    assert document["logger"] == "bookings_sessions.x" and document["time"].endswith("+00:00")


def test_live_server_logs_json_lines_carrying_the_request_id(live_server: LiveServer) -> None:
    response = httpx.post(
        live_server.graphql_url,
        json={"query": "query LoggedPing { __typename }"},
        headers={"X-Request-Id": "log-test-0001"},
    )
    assert response.headers["x-request-id"] == "log-test-0001"

    access: list[dict[str, Any]] = []
    for _attempt in range(100):  # the access line is written just after the response went out
        records = live_server.log_records()  # fails on any line that is not a JSON object
        access = [record for record in records if record.get("request_id") == "log-test-0001"]
        if access:
            break
        time.sleep(0.05)

    assert any(record["logger"].startswith("uvicorn") for record in records)
    assert len(access) == 1, access
    assert access[0]["logger"] == "bookings_sessions.access"
    assert access[0]["status"] == 200 and access[0]["path"] == "/graphql" and access[0]["method"] == "POST"
    assert access[0]["graphql_operation"] == "LoggedPing" and access[0]["graphql_code"] == "OK"
    assert access[0]["duration_ms"] >= 0


def test_live_metrics_endpoint(live_server: LiveServer) -> None:
    httpx.post(live_server.graphql_url, json={"query": "query LivePing { __typename }"})

    text = httpx.get(f"{live_server.url}/metrics").text

    counts = samples(text, "graphql_operations_total")
    assert counts[(("code", "OK"), ("operation", "LivePing"), ("type", "query"))] == 1
    assert samples(text, "process_resident_memory_bytes")
