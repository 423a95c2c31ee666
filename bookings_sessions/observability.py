"""Prometheus metrics (one registry per app; one observation per GraphQL operation, by name, type and first
error code), JSON logs, and the request id (`X-Request-Id`, taken or made, echoed) that ties a request's
log lines together. What is exposed: docs/operations.md.
"""

from __future__ import annotations

import contextvars
import logging
import re
import secrets
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

import orjson
from graphql import GraphQLError
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    gc_collector,
    generate_latest,
    platform_collector,
    process_collector,
)
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import SchemaExtension

from .request_metrics import CountedHistogram

# Operation names come from clients: bound the label set so nobody can grow our memory through it.
MAX_OPERATION_NAMES: Final = 200
MAX_OPERATION_NAME_LENGTH: Final = 64
OTHER: Final = "other"
ANONYMOUS_OPERATION: Final = "anonymous"
LATENCY_BUCKETS: Final = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# Routes are labelled by the app's fixed paths only, never by the raw path a client sent.
KNOWN_ROUTES: Final = ("/graphql/static", "/graphql", "/calendars", "/healthz", "/readyz", "/metrics")
QUIET_PATHS: Final = frozenset({"/healthz", "/readyz", "/metrics"})
REQUEST_ID_HEADER: Final = "X-Request-Id"
_VALID_REQUEST_ID: Final = re.compile(r"[A-Za-z0-9._:-]{1,128}")

access_log = logging.getLogger("bookings_sessions.access")
error_log = logging.getLogger("bookings_sessions.errors")


@dataclass(slots=True)
class RequestInfo:
    """What is known about the request being served; filled in as it goes."""

    request_id: str
    operation: str | None = None
    code: str | None = None


_current: contextvars.ContextVar[RequestInfo | None] = contextvars.ContextVar("request_info", default=None)


def current_request() -> RequestInfo | None:
    return _current.get()


def request_id_from(incoming: str | None) -> str:
    """The client's id when it is a sane token (it ends up in logs and headers), else a new one."""
    if incoming and _VALID_REQUEST_ID.fullmatch(incoming):
        return incoming
    return secrets.token_hex(16)  # 128 random bits, as a uuid4's hex but without building a UUID


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        process_collector.ProcessCollector(registry=self.registry)
        platform_collector.PlatformCollector(registry=self.registry)
        gc_collector.GCCollector(registry=self.registry)
        self.operations = CountedHistogram(
            counter=(
                "graphql_operations",
                "GraphQL operations by operation name, type and result code (OK or the first error's code).",
            ),
            histogram=(
                "graphql_operation_duration_seconds",
                "GraphQL operation latency (parse, validate, execute) in seconds.",
            ),
            labels=("operation", "type", "code"),
            histogram_labels=3,
            buckets=LATENCY_BUCKETS,
        )
        self.http_requests = CountedHistogram(
            counter=("http_requests", "HTTP requests by method, route and status."),
            histogram=(
                "http_request_duration_seconds",
                "HTTP request latency in seconds, until the response is sent.",
            ),
            labels=("method", "route", "status"),
            histogram_labels=2,
            buckets=LATENCY_BUCKETS,
        )
        self.registry.register(self.operations)
        self.registry.register(self.http_requests)
        self.undecodable_documents = Counter(
            "bookings_sessions_undecodable_documents",
            "Stored documents a read skipped because they cannot be decoded (each is logged once by id).",
            registry=self.registry,
        )
        self._operation_names: set[str] = set()

    def operation_label(self, name: str | None) -> str:
        if not name:
            return ANONYMOUS_OPERATION
        if name in self._operation_names:
            return name
        if len(name) > MAX_OPERATION_NAME_LENGTH or len(self._operation_names) >= MAX_OPERATION_NAMES:
            return OTHER
        self._operation_names.add(name)
        return name

    def record_operation(self, name: str | None, kind: str, code: str, seconds: float) -> None:
        """One GraphQL operation: counted and timed, and named on the request's access log line."""
        operation = self.operation_label(name)
        self.operations.observe((operation, kind, code), seconds)
        if (info := _current.get()) is not None:
            info.operation, info.code = operation, code

    def observe_http(self, method: str, path: str, status: int, seconds: float) -> None:
        route = next((known for known in KNOWN_ROUTES if path.startswith(known)), OTHER)
        self.http_requests.observe((method, route, str(status)), seconds)

    async def endpoint(self, _: Request) -> Response:
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)


def result_code(errors: list[GraphQLError] | None) -> str:
    if not errors:
        return "OK"
    code = (errors[0].extensions or {}).get("code")
    return code if isinstance(code, str) else "INTERNAL"


class GraphQLMetrics(SchemaExtension):
    """Times each operation. List it before ErrorCodes: hooks unwind in reverse, so codes are final here."""

    def __init__(self, metrics: Metrics) -> None:
        super().__init__()
        self.metrics = metrics

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        code = "INTERNAL"
        try:
            yield
            result = self.execution_context.result
            code = result_code(getattr(result, "errors", None))
        finally:
            self._observe(code, time.perf_counter() - started)

    def _observe(self, code: str, seconds: float) -> None:
        context = self.execution_context
        try:
            kind = context.operation_type.value
            name = context.operation_name
        except Exception:  # nothing parsed: no operation to name
            kind, name = "unknown", None
        self.metrics.record_operation(name, kind, code, seconds)


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, metrics: Metrics | None = None) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = next((value for key, value in scope["headers"] if key == b"x-request-id"), None)
        info = RequestInfo(request_id_from(incoming.decode("latin-1") if incoming else None))
        token = _current.set(info)
        started = time.perf_counter()
        status = 500
        started_response = False
        echoed = (b"x-request-id", info.request_id.encode("ascii"))

        async def send_with_id(message: Message) -> None:
            nonlocal status, started_response
            if message["type"] == "http.response.start":
                status, started_response = message["status"], True
                message = {**message, "headers": [*message.get("headers", ()), echoed]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            # Answered here rather than by Starlette's error middleware, so the traceback is logged with
            # the request id and the 500 still carries X-Request-Id for the client to quote.
            error_log.exception("unhandled error")
            if started_response:
                raise
            status = 500
            body = orjson.dumps(
                {"errors": [{"message": "Internal server error", "extensions": {"code": "INTERNAL"}}]}
            )
            length = str(len(body)).encode()
            headers = [(b"content-type", b"application/json"), (b"content-length", length), echoed]
            await send({"type": "http.response.start", "status": 500, "headers": headers})
            await send({"type": "http.response.body", "body": body})
        finally:
            seconds = time.perf_counter() - started
            method, path = scope["method"], scope["path"]
            if self.metrics is not None:
                self.metrics.observe_http(method, path, status, seconds)
            # Probes and scrapes every few seconds would drown the log at INFO.
            level = logging.DEBUG if path in QUIET_PATHS else logging.INFO
            if access_log.isEnabledFor(level):  # the line's fields are built only to be written
                fields: dict[str, object] = {
                    "method": method,
                    "path": path,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 2),
                }
                if info.operation is not None:
                    fields["graphql_operation"], fields["graphql_code"] = info.operation, info.code
                access_log.log(level, "%s %s %s", method, path, status, extra={"fields": fields})
            _current.reset(token)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, extra ``fields``, exception."""

    def format(self, record: logging.LogRecord) -> str:
        document: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if (info := _current.get()) is not None:
            document["request_id"] = info.request_id
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            document.update(fields)
        if record.exc_info:
            document["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(document, default=str).decode()


class _TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        info = _current.get()
        return line if info is None else f"{line} [request {info.request_id}]"


def configure_logging(level: str, log_format: str = "json") -> None:
    """Root handler on stderr; uvicorn's loggers propagate to it (run uvicorn with ``log_config=None``)."""
    handler = logging.StreamHandler(sys.stderr)
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(_TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.captureWarnings(True)  # a Python warning becomes a log record too: stderr stays one JSON per line
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.propagate = True
