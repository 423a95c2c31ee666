"""`/graphql`: strawberry's ASGI view made to follow GraphQL over HTTP (status codes, media types, coded
refusals), with the token checked once, bounded bodies, persisted queries, GraphiQL and graphql-transport-ws
(docs/clients.md "GraphQL over HTTP"); `json_post` is fast/json_post.py's seam (docs/design.md §7).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Final, cast

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError, MissingQueryError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData, process_result
from strawberry.http.parse_content_type import parse_content_type
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UNSET, UnsetType

from ..domain.callers import ANONYMOUS, Caller
from ..domain.errors import DomainError
from ..graphiql import accept_qualities, graphiql_html_response, wants_graphiql
from ..schema.context import Context
from ..service.services import AppServices
from .authentication import Unauthorized, authenticate
from .persisted_queries import RETRY_STATUS, PersistedQueries, PersistedQueryError
from .refusals import MethodNotAllowed, RequestRefused, refusal, refusal_body
from .request_body import bounded_receive, check_declared_length
from .subscriptions import TextFrameWebSocketAdapter, TransportWSHandler
from .websocket_limit import bounded_websocket

GRAPHQL_RESPONSE_JSON: Final = "application/graphql-response+json"
JSON: Final = "application/json"
_JSON_RANGES: Final = frozenset({JSON, "application/*", "*/*"})
# Request errors with these codes are the server's fault, not the document's (or, for persisted queries,
# a cue to the client's link to send the full document).
_SERVER_ERROR_STATUS: Final = {"INTERNAL": 500, "UNAVAILABLE": 503, **RETRY_STATUS}
# A JSON text starting with "{" can only be an object: the shape is checked without parsing twice.
JSON_OBJECT: Final = re.compile(rb"[ \t\r\n]*\{")
_HTTP_OPERATIONS: Final = {
    "GET": frozenset({OperationType.QUERY}),
    "POST": frozenset({OperationType.QUERY, OperationType.MUTATION}),
}


@lru_cache(maxsize=64)
def media_type(content_type: str) -> str:
    """A Content-Type header's media type: strawberry's parser goes through `email.message`, which is
    slow, and clients repeat the same few header values."""
    return parse_content_type(content_type)[0]


@lru_cache(maxsize=64)
def response_media_type(accept: str | None) -> str:
    """graphql-response+json when listed with a quality at least that of JSON; otherwise JSON.

    A missing or unsupported Accept gets JSON: the spec's advice for clients that predate it. Cached:
    clients repeat the same few header values.
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


@dataclass
class HTTPContext(Context):
    """Context of one HTTP request: its caller was verified at the edge, before anything ran."""

    verified_caller: Caller = ANONYMOUS

    @property
    def caller(self) -> Caller:
        return self.verified_caller


@dataclass
class WebSocketContext(Context):
    """Context of one WebSocket connection; strawberry fills `connection_params` from connection_init."""

    connection_params: dict[str, object] = field(default_factory=dict)


class GraphQLView(GraphQL[Context, None]):
    graphql_transport_ws_handler_class = TransportWSHandler
    websocket_adapter_class = TextFrameWebSocketAdapter
    # A seam: answers the requests it can without strawberry's request handling, None for the others
    # (fast/json_post.py); unset, every request takes strawberry's `run`.
    json_post: Callable[[GraphQLView, Request], Awaitable[Response | None]] | None = None

    def __init__(
        self,
        services: Callable[[], AppServices | None],
        *,
        max_request_bytes: int,
        persisted_queries: PersistedQueries | None = None,
        websocket_idle_seconds: float = TransportWSHandler.idle_seconds,
        **kwargs: Any,
    ) -> None:
        super().__init__(subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,), **kwargs)
        self.graphql_transport_ws_handler_class = TransportWSHandler.closing_idle_after(
            websocket_idle_seconds
        )
        self._services = services
        self.max_request_bytes = max_request_bytes
        # Without a store the protocol is off: hashes are answered PERSISTED_QUERY_NOT_SUPPORTED.
        self._persisted_queries = persisted_queries or PersistedQueries(max_bytes=0)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            receive, send = bounded_websocket(receive, send, self.max_request_bytes)
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, bounded_receive(receive, self.max_request_bytes))
        try:
            check_declared_length(request.headers, self.max_request_bytes)
            shortcut = self.json_post
            response = (shortcut and await shortcut(self, request)) or await self.run(request)
        except HTTPException as error:
            response = self._refusal_response(request, refusal(error))
        except ClientDisconnect:
            # The client left before its body was in, or the body timed out (http/connections.py has
            # answered 408 and closed): this answer goes nowhere, but the access log and metrics say 408.
            response = self._refusal_response(
                request, RequestRefused(408, "The request body did not arrive.")
            )
        await response(scope, receive, send)

    def _refusal_response(self, request: Request, error: RequestRefused) -> Response:
        media_type = response_media_type(request.headers.get("accept"))
        status, headers = error.status_code, error.headers
        if isinstance(error, Unauthorized) and media_type == JSON:
            # Legacy application/json clients get 200 for every well-formed request (GraphQL over HTTP);
            # the refusal is in the body, with its code.
            status, headers = 200, {}
        return Response(
            self.encode_json(refusal_body(error)), status_code=status, media_type=media_type, headers=headers
        )

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
        authorization = request.headers.get("authorization")
        return HTTPContext(
            services=services,
            authorization=authorization,
            request=request,
            response=response,
            verified_caller=authenticate(services.keys, authorization),
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
        # What resolvers may set (status, headers), as strawberry's: no status, no headers yet.
        sub_response = Response()
        sub_response.status_code = None  # type: ignore[assignment]
        sub_response.raw_headers = []
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

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        # strawberry expects an object and fails with a 500 on any other JSON value (null, "x", 3, [1]).
        is_json = request.method == "POST" and "application/json" in media_type(request.content_type or "")
        if is_json and not JSON_OBJECT.match(await request.get_body()):
            raise RequestRefused(
                400, 'The request body must be a JSON object, e.g. {"query": "{ __typename }"}'
            )
        return await super().parse_http_body(request)

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        return await self.execute_request(request_data, request_adapter.method, context)

    async def execute_request(
        self, request_data: GraphQLRequestData, method: str, context: Context
    ) -> ExecutionResult:
        # strawberry lets subscriptions through POST (and GET) for its multipart transport, which this view
        # does not offer: they would run as queries and fail inside. Only queries and mutations here.
        try:
            request_data = self._persisted_queries.resolve(request_data)
        except PersistedQueryError as error:
            return error.result()
        try:
            return await self.schema.execute(
                request_data.query,
                variable_values=request_data.variables,
                context_value=context,
                operation_name=request_data.operation_name,
                allowed_operation_types=_HTTP_OPERATIONS[method],
                operation_extensions=request_data.extensions,
            )
        except InvalidOperationTypeError as error:
            if error.operation_type == OperationType.SUBSCRIPTION:
                raise RequestRefused(
                    400,
                    "Subscriptions are served over WebSocket (graphql-transport-ws on /graphql), not HTTP",
                ) from error
            raise MethodNotAllowed(f"{error.as_http_error_reason(method)}: use POST", allow="POST") from error
        except CannotGetOperationTypeError as error:
            raise RequestRefused(400, error.as_http_error_reason()) from error
        except MissingQueryError as error:
            raise RequestRefused(400, "No GraphQL query found in the request") from error

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
