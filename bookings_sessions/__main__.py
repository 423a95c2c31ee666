"""`bookings-sessions serve | token | dispatch | feed | sdl`."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from .domain.callers import Role
from .settings import Settings, SettingsError, load_settings


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from .app import create_app
    from .http.connections import CountedWebSocketProtocol, HeaderLimitsProtocol, connection_limits
    from .observability import configure_logging

    configure_logging(settings.log_level, settings.log_format)
    logging.getLogger("uvicorn.error").addFilter(_no_startup_traceback)
    app = create_app(settings)
    # log_config=None: uvicorn's own loggers go through our (JSON) root handler; access lines come from
    # the app's middleware, with the request id. Connection limits: docs/operations.md.
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level=settings.log_level.lower(),
        log_config=None,
        access_log=False,
        # WebSocket messages are bounded like request bodies; uvicorn refuses bigger frames (close 1009)
        # before buffering them. The app checks again for servers started otherwise.
        ws_max_size=settings.max_request_bytes,
        # Header and body timeouts, and the caps and per-client shares of connections and WebSockets,
        # counted apart (http/connections.py), in place of uvicorn's `limit_concurrency`.
        http=HeaderLimitsProtocol.configured(connection_limits(settings), app.state.wrap_transport),
        ws=CountedWebSocketProtocol,
        # The client address in logs is the one the fair shares count: X-Forwarded-For only from
        # TRUSTED_PROXIES (uvicorn would trust 127.0.0.1 by default).
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=settings.trusted_proxies,
    )
    return 0


def _no_startup_traceback(record: logging.LogRecord) -> bool:
    # The app has already logged the one-line reason; uvicorn would repeat it as a traceback.
    return "StartupError" not in record.getMessage()


def _token(args: argparse.Namespace, settings: Settings) -> int:
    from .auth import sign_token

    roles = [Role(role) for role in args.role]
    print(sign_token(settings, roles, subject=args.sub, ttl_seconds=args.ttl))
    return 0


def _dispatch(_: argparse.Namespace, settings: Settings) -> int:
    import asyncio

    from .notifications.dispatcher import run_standalone
    from .observability import configure_logging

    if settings.mongodb_uri is None:
        # The embedded FerretDB is a child of `serve`; a second one on the same files would corrupt them.
        print("bookings-sessions: dispatch needs MONGODB_URI (the database the servers use)", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, settings.log_format)
    asyncio.run(run_standalone(settings))
    return 0


def _feed(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio

    if settings.mongodb_uri is None:
        # The embedded FerretDB is a child of `serve`; a second one on the same files would corrupt them.
        print("bookings-sessions: feed needs MONGODB_URI (the database the servers use)", file=sys.stderr)
        return 2
    return asyncio.run(_feed_command(args, settings))


async def _feed_command(args: argparse.Namespace, settings: Settings) -> int:
    import json

    from .domain.errors import DomainError
    from .service.calendar_feeds import create_calendar_feed, revoke_calendar_feed
    from .storage.calendar_feeds import CalendarFeeds
    from .storage.client import close_client, create_client

    assert settings.mongodb_uri is not None  # checked by `_feed`
    client = create_client(settings.mongodb_uri, settings.mongodb_driver)
    try:
        feeds = CalendarFeeds(client[settings.mongodb_database])
        if args.action == "revoke":
            if await revoke_calendar_feed(feeds, args.id):
                print(f"revoked {args.id}")
                return 0
            print(f"bookings-sessions: no calendar feed {args.id}", file=sys.stderr)
            return 1
        await feeds.ensure_indexes()
        feed, token = await create_calendar_feed(feeds, args.schedule, args.include_private, "cli")
        print(json.dumps({"id": feed.id, "scheduleId": feed.schedule_id, "url": feed.url(token)}))
        return 0
    except DomainError as error:
        print(f"bookings-sessions: {error}", file=sys.stderr)
        return 1
    finally:
        await close_client(client)


def _sdl(_: argparse.Namespace, settings: Settings) -> int:
    from .schema import build_schema

    print(build_schema().as_str())
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="bookings-sessions", description=__doc__)
    root.add_argument(
        "--data-dir", type=Path, default=None, help="embedded database and dev secret (default ./var)"
    )
    commands = root.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the GraphQL server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS)
    serve.set_defaults(run=_serve)

    token = commands.add_parser("token", help="sign a development token with the server's secret")
    token.add_argument("--role", action="append", required=True, choices=[role.value for role in Role])
    token.add_argument("--sub", default="dev-user")
    token.add_argument("--ttl", type=int, default=3600, help="lifetime in seconds (default 3600)")
    token.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS)
    token.set_defaults(run=_token)

    dispatch = commands.add_parser(
        "dispatch", help="deliver participant notifications only (no server); needs MONGODB_URI"
    )
    dispatch.set_defaults(run=_dispatch)

    feed = commands.add_parser(
        "feed", help="mint or revoke a schedule's calendar feed (docs/calendars.md); needs MONGODB_URI"
    )
    feed.set_defaults(run=_feed)
    actions = feed.add_subparsers(dest="action", required=True)
    create = actions.add_parser(
        "create", help="print a new feed as JSON: id, scheduleId, url (with its token)"
    )
    create.add_argument("schedule", help="the schedule id")
    create.add_argument(
        "--include-private", action="store_true", help="also location, notes and participants"
    )
    revoke = actions.add_parser("revoke", help="revoke a feed by its id: its URL is 404 at once")
    revoke.add_argument("id")

    sdl = commands.add_parser("sdl", help="print the schema SDL")
    sdl.set_defaults(run=_sdl)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    overrides = {} if args.data_dir is None else {"data_dir": args.data_dir}
    try:
        settings = load_settings(**overrides)
        return int(args.run(args, settings))
    except SettingsError as error:
        print(f"bookings-sessions: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
