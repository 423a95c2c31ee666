"""The router bypass: HTTP requests to `/graphql` go straight to the GraphQL view behind the same
middleware, without Starlette's error and exception middleware and router (the app's `graphql_http`
seam; docs/performance.md lever 5).
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.middleware import Middleware
from starlette.types import ASGIApp


def behind_middleware(view: ASGIApp, middleware: Sequence[Middleware]) -> ASGIApp:
    """`view` wrapped in `middleware`, outermost first, as Starlette wraps its router."""
    app = view
    for cls, args, kwargs in reversed(middleware):
        app = cls(app, *args, **kwargs)
    return app
