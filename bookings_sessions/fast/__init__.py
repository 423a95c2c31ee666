"""The speed levers, in one room: each replaces one plain component through a named seam, the plain one
staying the default. `install` wires them; app.py calls it unless FAST_PATHS=off. Which lever uses which
seam: docs/design.md §7; what each gives: docs/performance.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from starlette.middleware import Middleware
from starlette.types import ASGIApp

from ..http.connections import TransportWrapper
from ..http.graphql_view import GraphQLView
from ..observability import Metrics
from ..schema import SessionsSchema
from ..storage.parts import StoreParts
from .coalesced_writes import CoalescedWrites
from .executor import LeafFastExecutionContext
from .grouped_inserts import GroupedInserts
from .json_post import answer_json_post
from .listing_cache import ListingCache
from .operation_runner import OperationRunner, typename_data
from .recent_writes import RecentWrites
from .remembered_names import RememberedNames
from .router_bypass import behind_middleware
from .versions import tested


@dataclass(frozen=True)
class Installed:
    """The levers app.py plugs into its own seams."""

    graphql_http: ASGIApp
    wrap_transport: TransportWrapper
    store_parts: StoreParts


def install(
    *, schema: SessionsSchema, view: GraphQLView, middleware: Sequence[Middleware], metrics: Metrics | None
) -> Installed:
    """Sets the schema's and the view's levers; returns the app's, the server's and the store's."""
    install_schema(schema, metrics)
    if tested("JSON POST shortcut", "strawberry-graphql"):
        view.json_post = answer_json_post
    return Installed(behind_middleware(view, middleware), CoalescedWrites, store_parts())


def install_schema(schema: SessionsSchema, metrics: Metrics | None = None) -> None:
    """The executor's short path, the operation runner, the `{ __typename }` constant and the names
    converted once."""
    if not tested("executor and operation runner", "graphql-core", "strawberry-graphql"):
        return
    plain = schema.config.name_converter
    schema.config.name_converter = RememberedNames(auto_camel_case=plain.auto_camel_case)
    schema.execution_context_class = LeafFastExecutionContext
    prepared = schema.prepared_documents
    assert prepared is not None  # built with the schema
    prepared.constant_data = typename_data
    schema.operation_runner = OperationRunner(schema._schema, prepared, LeafFastExecutionContext, metrics)


def store_parts() -> StoreParts:
    return StoreParts(inserts=GroupedInserts, written=RecentWrites(), listed=ListingCache())
