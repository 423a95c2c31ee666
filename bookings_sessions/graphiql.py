"""Self-hosted GraphiQL: the HTML page, its static assets (built from ``web/graphiql``, committed) and the
strict CSP they are served with, so no CDN is needed (docs/design.md §7, docs/clients.md "GraphiQL").
"""

from __future__ import annotations

import importlib.resources
from collections.abc import Mapping
from typing import Any, Final, Protocol

from starlette.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

_PACKAGE: Final = "bookings_sessions"
_STATIC_DIR: Final = "static/graphiql"

GRAPHIQL_CSP: Final[str] = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        # GraphiQL, CodeMirror and React set styles through the CSSOM (element.style), which CSP
        # does not restrict; all style sheets are files under /graphql/static.
        "style-src 'self'",
        # data: for the favicon placeholder and for small images inlined in graphiql.css.
        "img-src 'self' data:",
        # graphiql.css embeds its web fonts as data: URLs.
        "font-src 'self' data:",
        # The fetcher POSTs to the page's own URL; subscriptions open a WebSocket to it, which 'self'
        # covers (CSP Level 3 matches ws:/wss: on the page's own host and port).
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    )
)

_SECURITY_HEADERS: Final[dict[str, str]] = {
    "Content-Security-Policy": GRAPHIQL_CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

_INDEX_HTML: Final[str] = (
    importlib.resources.files(_PACKAGE).joinpath(_STATIC_DIR, "index.html").read_text(encoding="utf-8")
)

# Media types a GraphQL client asks for; a browser navigating to the endpoint lists text/html first.
_API_MEDIA_TYPES: Final = frozenset({"application/json", "application/graphql-response+json"})


def graphiql_html_response() -> HTMLResponse:
    """The GraphiQL page, with the CSP and the other security headers."""
    return HTMLResponse(_INDEX_HTML, headers={**_SECURITY_HEADERS, "Cache-Control": "no-cache"})


class _GraphiQLStaticFiles(StaticFiles):
    """StaticFiles that adds ``nosniff`` (and the CSP, for the HTML page) to what it serves."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        # Asset names carry no content hash: let browsers cache them but revalidate (ETag).
        response.headers.setdefault("Cache-Control", "no-cache")
        if response.headers.get("content-type", "").startswith("text/html"):
            response.headers["Content-Security-Policy"] = GRAPHIQL_CSP
        return response


def graphiql_static_app() -> StaticFiles:
    """An ASGI app serving ``bookings_sessions/static/graphiql/``; mount it at ``/graphql/static``."""
    return _GraphiQLStaticFiles(packages=[(_PACKAGE, _STATIC_DIR)])


def accept_qualities(accept: str) -> list[tuple[str, float]]:
    """``(media range, q)`` for each entry of an Accept header, in order; malformed q counts as 0."""
    ranges: list[tuple[str, float]] = []
    for entry in accept.split(","):
        media_range, *params = (part.strip() for part in entry.split(";"))
        if not media_range:
            continue
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value.strip())
                except ValueError:
                    quality = 0.0
        ranges.append((media_range.lower(), quality))
    return ranges


class RequestLike(Protocol):
    """A starlette Request, or the request adapter strawberry's view hands to its hooks."""

    @property
    def method(self) -> str: ...

    @property
    def query_params(self) -> Mapping[str, Any]: ...

    @property
    def headers(self) -> Mapping[str, str]: ...


def wants_graphiql(request: RequestLike) -> bool:
    """True for a GET that prefers text/html (a browser navigating here) and carries no ``query``.

    text/html must be listed explicitly (a bare ``*/*``, as sent by curl or ``fetch``, is not a
    preference) with a quality above zero and above that of any JSON media type listed; on a tie the
    one listed first wins.
    """
    if request.method != "GET" or "query" in request.query_params:
        return False
    html_quality: float | None = None
    html_index = -1
    api_quality = 0.0
    api_index = -1
    for index, (media_range, quality) in enumerate(accept_qualities(request.headers.get("accept", ""))):
        if media_range == "text/html" and html_quality is None:
            html_quality, html_index = quality, index
        elif media_range in _API_MEDIA_TYPES and quality > api_quality:
            api_quality, api_index = quality, index
    if html_quality is None or html_quality <= 0:
        return False
    if html_quality != api_quality:
        return html_quality > api_quality
    return html_index < api_index
