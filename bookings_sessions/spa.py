"""The example calendar SPA (``examples/calendar-spa``, built by ``make spa`` or found in SPA_DIR) at
``/app``, under a CSP that allows only its own origin; not routed without a build (docs/spa.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from starlette.responses import Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

# The checkout's build; not part of an installed wheel, where SPA_DIR must point at a build.
DEFAULT_SPA_DIR: Final = Path(__file__).resolve().parents[1] / "examples" / "calendar-spa" / "dist"

SPA_CSP: Final[str] = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        # React sets element styles through the CSSOM, which CSP leaves alone; style sheets are files.
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        # /graphql over HTTP and, for live updates, a WebSocket to the same host and port.
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    )
)


class _SpaStaticFiles(StaticFiles):
    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        if path.startswith("assets/") and response.status_code == 200:
            # Vite names assets by content hash: a changed file is a new URL.
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        else:
            response.headers["Cache-Control"] = "no-cache"
        if response.headers.get("content-type", "").startswith("text/html"):
            response.headers["Content-Security-Policy"] = SPA_CSP
        return response


def spa_directory(configured: Path | None) -> Path | None:
    """The build to serve: SPA_DIR if set, else the checkout's, if it has been built."""
    directory = configured or DEFAULT_SPA_DIR
    return directory if (directory / "index.html").is_file() else None


def spa_routes(directory: Path | None) -> list[BaseRoute]:
    """``/app/`` serving the build (``/app`` redirects there); nothing without one."""
    if directory is None:
        return []
    return [Mount("/app", app=_SpaStaticFiles(directory=directory, html=True), name="calendar-spa")]
