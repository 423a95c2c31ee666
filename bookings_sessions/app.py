"""The ASGI application: GraphQL at /graphql (HTTP and WebSocket), calendar feeds at /calendars/, /healthz,
/readyz, /metrics and, once built, the example calendar SPA at /app."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from .auth import token_keys
from .change_log.sequencer import start_sequencer
from .change_log.webhooks import start_change_webhooks
from .domain.errors import Unavailable
from .fast import install
from .graphiql import graphiql_static_app
from .http.calendar_feed import CalendarFeedEndpoint
from .http.graphql_view import GraphQLView
from .http.persisted_queries import PersistedQueries
from .notifications.dispatcher import start_notifications
from .observability import REQUEST_ID_HEADER, Metrics, RequestContextMiddleware
from .schema import build_schema
from .service.live import start_live_feed
from .service.services import AppServices
from .service.splits import sweep_splits
from .settings import Settings, load_settings
from .spa import spa_directory, spa_routes
from .storage.calendar_feeds import CalendarFeeds
from .storage.client import close_client, create_client
from .storage.ferretdb import EmbeddedDatabaseError, EmbeddedFerretDB
from .storage.ferretdb_id_index import IdLookupIndexer
from .storage.ferretdb_supervisor import FerretDBSupervisor
from .storage.idempotency import IdempotencyKeys
from .storage.parts import StoreParts
from .storage.store import SessionStore

log = logging.getLogger("bookings_sessions")
# /readyz answers within a second even when the database is gone or hung: its ping has a client of its
# own whose operations (server selection and reply) give up after this; the request path's client
# waits 3 s to select a server.
READINESS_TIMEOUT_MS = 500
# What the store's single-document updates mean for this deployment, said once at start (design.md §4).
STORE_WRITES = {
    True: "store: single-document updates are atomic (MongoDB): several server processes may write the "
    "same sessions (docs/design.md §4)",
    False: "store: FerretDB does not apply a single-document update atomically: fine for one server "
    "process, which serialises its writes to each session; run several processes that write the same "
    "sessions only against MongoDB (docs/design.md §4)",
}
# How long shutdown waits for a cancelled background task before it closes the database clients anyway.
STOP_GRACE_SECONDS = 2.0


@dataclass
class Runtime:
    """What the lifespan starts and stops; `services` is None until the store is ready."""

    settings: Settings
    services: AppServices | None = None
    embedded: EmbeddedFerretDB | None = None
    supervisor: FerretDBSupervisor | None = None
    client: Any = None
    readiness_client: Any = None
    readiness: SessionStore | None = None
    store_parts: StoreParts = field(default_factory=StoreParts)  # the fast ones unless FAST_PATHS=off
    extra_tasks: list[asyncio.Task[None]] = field(default_factory=list)


class SessionsApp(Starlette):
    """Starlette, with a seam: `graphql_http`, when set, takes HTTP requests to `/graphql` before the
    router (fast/router_bypass.py)."""

    graphql_http: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            self.graphql_http is not None
            and scope["type"] == "http"
            and scope["path"] == "/graphql"
            and not scope.get("root_path")
        ):
            scope["app"] = self
            await self.graphql_http(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


class StartupError(RuntimeError):
    """The server cannot serve (database unreachable, embedded database not startable)."""


async def _start(runtime: Runtime, metrics: Metrics | None) -> None:
    settings = runtime.settings
    uri = settings.mongodb_uri
    if uri is None:
        runtime.embedded = EmbeddedFerretDB(
            settings.data_dir.resolve() / "ferretdb", synchronous=settings.ferretdb_synchronous
        )
        uri = await asyncio.to_thread(runtime.embedded.start)
        pid = runtime.embedded.pid
        log.info(
            "store: embedded FerretDB 1.24.2 (SQLite, synchronous %s) at %s, pid %s, data in %s",
            runtime.embedded.synchronous,
            uri,
            pid,
            runtime.embedded.data_dir,
            extra={"fields": {"event": "ferretdb_started", "ferretdb_pid": pid}},
        )
        runtime.supervisor = FerretDBSupervisor(runtime.embedded)
        runtime.extra_tasks.append(asyncio.create_task(runtime.supervisor.run()))
    else:
        log.info("store: MongoDB at MONGODB_URI (database %r)", settings.mongodb_database)
    runtime.client = create_client(uri, settings.mongodb_driver)
    runtime.readiness_client = create_client(
        uri,
        settings.mongodb_driver,
        server_selection_timeout_ms=READINESS_TIMEOUT_MS,
        operation_timeout_ms=READINESS_TIMEOUT_MS,
    )
    runtime.readiness = SessionStore(runtime.readiness_client, settings.mongodb_database)
    store = SessionStore(
        runtime.client,
        settings.mongodb_database,
        None if metrics is None else metrics.undecodable_documents.inc,
        parts=runtime.store_parts,
    )
    capabilities = await store.capabilities()  # once, so no request pays for `buildInfo`
    await store.ensure_indexes()
    idempotency_keys = IdempotencyKeys(store.db)
    await idempotency_keys.ensure_indexes(capabilities)
    await CalendarFeeds(store.db).ensure_indexes()
    log.info(STORE_WRITES[capabilities.atomic_updates])
    if not capabilities.atomic_updates:  # FerretDB: its SQLite has one write lock (storage/write_slots.py)
        store.limit_writes(settings.ferretdb_writes_at_once)
    # The outbox dispatcher runs with the server (NOTIFICATION_DISPATCHER=false leaves it to `dispatch`).
    runtime.extra_tasks.extend(await start_notifications(settings, store.db, capabilities))
    keys = token_keys(settings)
    if keys.development:
        log.warning(
            "development mode: no JWT_SECRET or JWT_PUBLIC_KEY set; tokens are signed with a generated "
            "secret in %s (use `bookings-sessions token`)",
            settings.data_dir,
        )
    runtime.services = AppServices(
        settings=settings, store=store, keys=keys, idempotency_keys=idempotency_keys
    )
    # A split a crash interrupted is finished (or rolled back) before anything is served.
    await sweep_splits(runtime.services)
    # The change log (docs/design.md §9): this process's sequencer (one process at a time holds its
    # lease) and the live feed that turns committed changes into `sessionUpdated` events here.
    # Change webhooks (if CHANGE_WEBHOOK_URL is set): queued by the sequencer, delivered by every process.
    webhooks = await start_change_webhooks(settings, store.db, capabilities)
    on_moved = None if webhooks is None else webhooks.queue
    runtime.extra_tasks.extend(
        await start_sequencer(settings, store.db, capabilities, on_moved=on_moved, handoff=store.handoff)
    )
    if webhooks is not None:
        runtime.extra_tasks.append(asyncio.create_task(webhooks.run(), name="change-webhooks"))
    runtime.extra_tasks.append(start_live_feed(runtime.services))
    if runtime.embedded is not None:
        # `_id` lookups become index lookups (FerretDB 1.24 scans): of the collections there are before
        # anything is served, and of those FerretDB creates later on a first write (the change marks).
        indexer = IdLookupIndexer(runtime.embedded.index_id_lookups)
        await indexer.index_new()
        runtime.extra_tasks.append(asyncio.create_task(indexer.run(), name="id-lookup-indexer"))


async def _stop(runtime: Runtime) -> None:
    for task in runtime.extra_tasks:
        task.cancel()
    # A cancelled task ends at once, unless the driver holds it: PyMongo's async client, cancelled while
    # it waits to select a server that is gone, can wait for its own topology lock forever, and so can
    # its close(). Shutdown waits for neither longer than STOP_GRACE_SECONDS: a process that stops
    # leaves nothing behind that matters.
    stuck = await _ended(runtime.extra_tasks)
    if stuck:
        log.warning("stopping before %s ended", ", ".join(sorted(task.get_name() for task in stuck)))
    for client in (runtime.client, runtime.readiness_client):
        if client is not None:
            try:
                await asyncio.wait_for(close_client(client), STOP_GRACE_SECONDS)
            except TimeoutError:
                log.warning("stopping without the database client's close")
    await _ended(stuck)
    if runtime.embedded is not None:
        await asyncio.to_thread(runtime.embedded.stop)


async def _ended(tasks: list[asyncio.Task[None]] | set[asyncio.Task[None]]) -> set[asyncio.Task[None]]:
    """Waits up to STOP_GRACE_SECONDS for `tasks` to end; returns those still running."""
    if not tasks:
        return set()
    done, pending = await asyncio.wait(tasks, timeout=STOP_GRACE_SECONDS)
    for task in done:
        if not task.cancelled() and task.exception() is not None:
            log.error("%s failed while stopping", task.get_name(), exc_info=task.exception())
    return pending


def _middleware(settings: Settings, metrics: Metrics | None) -> list[Middleware]:
    # Outermost first: every response, a CORS preflight included, carries X-Request-Id.
    middleware = [Middleware(RequestContextMiddleware, metrics=metrics)]
    if settings.cors_allow_origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=settings.cors_allow_origins,
                allow_methods=["GET", "POST"],
                allow_headers=["Authorization", "Content-Type", "Accept", REQUEST_ID_HEADER],
                expose_headers=[REQUEST_ID_HEADER],
                allow_credentials=settings.cors_allow_credentials,
                max_age=600,
            )
        )
    return middleware


def create_app(settings: Settings | None = None) -> SessionsApp:
    settings = settings or load_settings()
    runtime = Runtime(settings=settings)
    metrics = Metrics() if settings.metrics_enabled else None
    schema = build_schema(
        max_depth=settings.max_query_depth,
        max_aliases=settings.max_aliases,
        max_tokens=settings.max_tokens,
        max_selections=settings.max_selections,
        introspection=settings.introspection,
        metrics=metrics,
    )
    graphql_view = GraphQLView(
        lambda: runtime.services,
        persisted_queries=PersistedQueries(settings.persisted_queries_cache_size, settings.max_tokens),
        schema=schema,
        max_request_bytes=settings.max_request_bytes,
        graphql_ide="graphiql" if settings.graphiql else None,
        # Browsers may open WebSockets from the same pages they may send CORS requests from.
        allowed_origins=settings.cors_allow_origins,
        # A WebSocket must say who it is as promptly as an HTTP request must send its headers.
        connection_init_wait_timeout=timedelta(seconds=settings.header_timeout_seconds),
        websocket_idle_seconds=settings.websocket_idle_seconds,
    )

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> Response:
        if runtime.services is None or runtime.readiness is None:
            return JSONResponse({"status": "starting"}, status_code=503)
        if runtime.supervisor is not None and not runtime.supervisor.running:
            return JSONResponse({"status": "database restarting"}, status_code=503)
        try:
            # The readiness client's own timeouts leave motor's worker thread free soon after; this one
            # bounds the answer whatever the driver does on a half-open connection.
            await asyncio.wait_for(runtime.readiness.ping(), READINESS_TIMEOUT_MS / 1000)
        except (Unavailable, TimeoutError):
            return JSONResponse({"status": "database unavailable"}, status_code=503)
        return JSONResponse({"status": "ready"})

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        try:
            await _start(runtime, metrics)
        except (Unavailable, EmbeddedDatabaseError) as error:
            await _stop(runtime)
            # One line saying why; the CLI keeps uvicorn from repeating it as a traceback.
            log.error("cannot start: %s", error)
            raise StartupError(str(error)) from None
        # What startup built (schema, models, driver) lives as long as the process. Frozen
        # out of the collector, a full collection scans only what requests leave behind: no long pause
        # of the event loop every few thousand requests (docs/performance.md). Once per process:
        # the tests start many apps in one, and a frozen object is never freed.
        if not gc.get_freeze_count():
            gc.collect()
            gc.freeze()
        try:
            yield
        finally:
            await _stop(runtime)

    routes: list[BaseRoute] = [
        Route("/graphql", graphql_view),  # first: the router tries routes in order, per request
        WebSocketRoute("/graphql", graphql_view),
        Route("/calendars/{schedule_id:path}.ics", CalendarFeedEndpoint(lambda: runtime.services).respond),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Mount("/graphql/static", graphiql_static_app(), name="graphiql-static"),
        *spa_routes(spa_directory(settings.spa_dir)),
    ]
    if metrics is not None:
        routes.append(Route("/metrics", metrics.endpoint))
    middleware = _middleware(settings, metrics)
    app = SessionsApp(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.runtime = runtime
    app.state.schema = schema
    app.state.metrics = metrics
    app.state.wrap_transport = None  # for `serve` (http/connections.py)
    if settings.fast_paths:
        levers = install(schema=schema, view=graphql_view, middleware=middleware, metrics=metrics)
        app.graphql_http = levers.graphql_http
        app.state.wrap_transport = levers.wrap_transport
        runtime.store_parts = levers.store_parts
    return app
