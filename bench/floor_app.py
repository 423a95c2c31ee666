"""The floor: the least a Starlette app under uvicorn can do per request, served the same way as ours."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

# Pre-encoded once, so the floor measures the framework and the server, not JSON encoding.
BODY = b'{"data":{"__typename":"Query"}}'


async def graphql(request: Request) -> Response:
    # Read the body like a real endpoint does: the floor should pay for receiving the same POST.
    await request.body()
    return Response(BODY, media_type="application/json")


async def readyz(_: Request) -> Response:
    return Response(b'{"status":"ready"}', media_type="application/json")


app = Starlette(routes=[Route("/graphql", graphql, methods=["GET", "POST"]), Route("/readyz", readyz)])
