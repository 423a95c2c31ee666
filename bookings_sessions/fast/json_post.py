"""The JSON POST shortcut: a POST of one JSON object answered without strawberry's generic request handling;
any other request returns None and takes strawberry's path, with its messages. The view's `json_post`
seam; docs/performance.md lever 3.
"""

from __future__ import annotations

import orjson
from starlette.requests import Request
from starlette.responses import Response
from strawberry.http import GraphQLRequestData

from ..http.graphql_view import JSON, JSON_OBJECT, GraphQLView, media_type


async def answer_json_post(view: GraphQLView, request: Request) -> Response | None:
    """None unless strawberry would accept the body as it is; after the body, the view's own steps."""
    if request.method != "POST" or media_type(request.headers.get("content-type", "")) != JSON:
        return None
    body = await request.body()  # kept by the Request: strawberry's path can read it again
    if not JSON_OBJECT.match(body):
        return None
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    query, variables, extensions = data.get("query"), data.get("variables"), data.get("extensions")
    if not (
        isinstance(query, str | None)
        and isinstance(variables, dict | None)
        and isinstance(extensions, dict | None)
    ):
        return None
    request_data = GraphQLRequestData(
        query=query,
        variables=variables,
        operation_name=data.get("operationName"),
        extensions=extensions,
        protocol="http",
    )
    sub_response = await view.get_sub_response(request)
    context = await view.get_context(request, response=sub_response)
    result = await view.execute_request(request_data, "POST", context)
    return view.create_response(await view.process_result(request, result), sub_response)
