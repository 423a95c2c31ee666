"""`/graphql`: strawberry's ASGI view, made to follow the GraphQL-over-HTTP spec, plus WebSockets.

What this adds to the stock view:
- `application/graphql-response+json` when the client asks for it; request errors (parse, validation,
  variable coercion) then answer 400 and carry no `data` entry. With `application/json` they stay 200,
  as the spec asks for legacy clients, but also without `data`.
- Mutations over GET are refused with 405 and `Allow: POST`; other methods with 405 and `Allow: GET, POST`.
- Request-level failures (bad JSON, no query) answer a GraphQL-shaped JSON error, not plain text.
- GraphiQL only for browsers that prefer text/html (see graphiql.wants_graphiql), served self-hosted.
- Automatic persisted queries (persisted_queries.py): the document may come from the store by hash.
- graphql-transport-ws: the bearer token comes in the `connection_init` payload; a bad token closes the
  socket with 4403 before any operation runs.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, cast

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData, process_result
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError
from strawberry.types.unset import UNSET, UnsetType

from ..domain.errors import DomainError
from ..graphiql import accept_qualities, graphiql_html_response, wants_graphiql
from ..resolvers.context import AppServices, Context
from ..resolvers.errors import classify
from .persisted_queries import RETRY_STATUS, PersistedQueries, PersistedQueryError

GRAPHQL_RESPONSE_JSON: Final = "application/graphql-response+json"
JSON: Final = "application/json"
_JSON_RANGES: Final = frozenset({JSON, "application/*", "*/*"})
# Request errors with these codes are the server's fault, not the document's (or, for persisted queries,
# a cue to the client's link to send the full document).
_SERVER_ERROR_STATUS: Final = {"INTERNAL": 500, "UNAVAILABLE": 503, **RETRY_STATUS}


def response_media_type(accept: str | None) -> str:
    """graphql-response+json when listed with a quality at least that of JSON; otherwise JSON.

    A missing or unsupported Accept gets JSON: the spec's advice for clients that predate it.
    """
    graphql_response: float | None = None
    json_quality: float | None = None
    for media_range, quality in accept_qualities(accept or ""):
        if media_range == GRAPHQL_RESPONSE_JSON:
            graphql_response = max(quality, graphql_response or 0.0)
        elif media_range in _JSON_RANGES:
            json_quality = max(quality, json_quality or 0.0)
    if graphql_response and (json_quality is None or graphql_response >= json_quality):
        return GRAPHQL_RESPONSE_JSON
    return JSON


def is_request_error(result: ExecutionResult) -> bool:
    """No data and only errors without a path: the operation never ran (GraphQL spec §7.1.2)."""
    return result.data is None and bool(result.errors) and all(e.path is None for e in result.errors or ())


def request_error_status(body: GraphQLHTTPResponse) -> int:
    errors = body.get("errors") or []
    first = errors[0] if errors and isinstance(errors[0], dict) else {}
    code = (first.get("extensions") or {}).get("code")
    return _SERVER_ERROR_STATUS.get(code, 400) if isinstance(code, str) else 400


class MethodNotAllowed(HTTPException):
    def __init__(self, reason: str, allow: str) -> None:
        super().__init__(405, reason)
        self.allow = allow


@dataclass
class WebSocketContext(Context):
    """Context of one WebSocket connection; strawberry fills `connection_params` from connection_init."""

    connection_params: dict[str, object] = field(default_factory=dict)


class TransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    async def _handle_pre_execution_error(
        self, operation: Operation[Context, None], result: PreExecutionError
    ) -> None:
        # A subscription refused before its first event (e.g. by @requiresRole) is reported by strawberry
        # after the operation hooks ran, so ErrorCodes never saw it: give it its code here.
        result.errors = [classify(error) for error in result.errors or ()]
        await super()._handle_pre_execution_error(operation, result)


class TextFrameWebSocketAdapter(ASGIWebSocketAdapter):
    """Sends every message as a text frame, as graphql-transport-ws requires.

    strawberry sends binary frames when encode_json returns bytes (ours does, for speed); the browsers'
    graphql-ws client then fails on the first message ("Message is missing the 'type' property").
    """

    async def send_json(self, message: Mapping[str, object]) -> None:
        try:
            await self.ws.send_text(self.view.encode_json_string(message))
        except WebSocketDisconnect as error:
            raise WebSocketDisconnected from error


class GraphQLView(GraphQL[Context, None]):
    graphql_transport_ws_handler_class = TransportWSHandler
    websocket_adapter_class = TextFrameWebSocketAdapter

    def __init__(
        self,
        services: Callable[[], AppServices | None],
        persisted_queries: PersistedQueries | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,), **kwargs)
        self._services = services
        # Without a store the protocol is off: hashes are answered PERSISTED_QUERY_NOT_SUPPORTED.
        self._persisted_queries = persisted_queries or PersistedQueries(max_bytes=0)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            response = await self.run(request)
        except HTTPException as error:
            response = self._error_response(request, error)
        await response(scope, receive, send)

    def _error_response(self, request: Request, error: HTTPException) -> Response:
        body = {"errors": [{"message": error.reason}]}
        response = Response(
            json.dumps(body),
            status_code=error.status_code,
            media_type=response_media_type(request.headers.get("accept")),
        )
        if isinstance(error, MethodNotAllowed):
            response.headers["Allow"] = error.allow
        elif error.status_code == 405:
            response.headers["Allow"] = "GET, POST"
        return response

    def _require_services(self) -> AppServices:
        services = self._services()
        if services is None:
            raise HTTPException(503, "the server is still starting")
        return services

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        services = self._require_services()
        if isinstance(request, WebSocket):
            # The token arrives later, in connection_init: see on_ws_connect.
            return WebSocketContext(services=services, authorization=None, request=request, response=response)
        return Context(
            services=services,
            authorization=request.headers.get("authorization"),
            request=request,
            response=response,
        )

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        params = getattr(context, "connection_params", None) or {}
        authorization = next((value for key, value in params.items() if key.lower() == "authorization"), None)
        if authorization is not None and not isinstance(authorization, str):
            raise ConnectionRejectionError({"message": "Authorization must be a string"})
        context.authorization = authorization
        try:
            context.caller  # noqa: B018 - decodes the token now, so a bad one is refused at connect
        except DomainError as error:
            raise ConnectionRejectionError({"message": error.message}) from None
        return cast(UnsetType, UNSET)

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        sub_response = await super().get_sub_response(request)
        # Negotiated once per request; create_response reads it back.
        sub_response.media_type = response_media_type(request.headers.get("accept"))
        return sub_response

    def should_render_graphql_ide(self, request: Any) -> bool:
        return wants_graphiql(request)

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)  # several times faster than json.dumps on response bodies

    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)

    async def render_graphql_ide(self, request: Request) -> Response:
        # Self-hosted GraphiQL under a strict CSP: no CDN, nothing inline.
        return graphiql_html_response()

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        try:
            request_data = self._persisted_queries.resolve(request_data)
        except PersistedQueryError as error:
            return error.result()
        try:
            return await super().execute_single(
                request=request,
                request_adapter=request_adapter,
                sub_response=sub_response,
                context=context,
                root_value=root_value,
                request_data=request_data,
            )
        except HTTPException as error:
            if request_adapter.method == "GET" and isinstance(error.__cause__, InvalidOperationTypeError):
                raise MethodNotAllowed(f"{error.reason}: use POST", allow="POST") from error
            raise

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        body = process_result(result)
        if is_request_error(result):
            del body["data"]
        return body

    def create_response(
        self, response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse], sub_response: Response
    ) -> Response:
        media_type = sub_response.media_type or JSON
        status = sub_response.status_code or 200
        request_error = isinstance(response_data, dict) and "data" not in response_data
        if media_type == GRAPHQL_RESPONSE_JSON and request_error:
            status = request_error_status(response_data)  # type: ignore[arg-type]
        response = Response(self.encode_json(response_data), status_code=status, media_type=media_type)
        response.headers.raw.extend(sub_response.headers.raw)
        if sub_response.background:
            response.background = sub_response.background
        return response
