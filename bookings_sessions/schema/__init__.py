"""The GraphQL schema: a federation v2 subgraph with limits and error codes built in.

Two seams (docs/design.md §7): `operation_runner` runs queries and mutations over HTTP instead of
strawberry's `Schema.execute`, and `execution_context_class` is graphql-core's executor; both are
strawberry's own unless app.py installs the fast ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

import strawberry
from graphql import GraphQLError
from strawberry.federation.schema import FederationAny
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext as StrawberryExecutionContext
from strawberry.types import ExecutionResult, Info
from strawberry.types.graphql import OperationType

from ..observability import GraphQLMetrics, Metrics
from .availability import AvailabilityQuery
from .bulk import BulkMutation
from .calendar_feeds import CalendarFeedsMutation
from .calendar_import import ImportMutation
from .change_log import ChangesQuery
from .directives import RequiresRole
from .entities import checked_entities
from .errors import ErrorCodes
from .limits import Limits
from .node_query import NodeQuery
from .notifications import NotificationsQuery
from .prepared import PreparedDocuments, PreparedPhases, validation_rules
from .root import Mutation, Query
from .subscription import Subscription
from .types import Session


class OperationRunner(Protocol):
    async def run(
        self,
        query: str | None,
        *,
        variables: dict[str, Any] | None,
        context: Any,
        root: Any,
        operation_name: str | None,
        allowed: Iterable[OperationType] | None,
        operation_extensions: dict[str, Any] | None,
    ) -> ExecutionResult: ...


class SessionsSchema(strawberry.federation.Schema):
    def __init__(
        self, *, limits: Limits, max_tokens: int, introspection: bool, metrics: Metrics | None, **kwargs: Any
    ) -> None:
        self.prepared_documents: PreparedDocuments | None = None  # set below, once the schema is built
        extensions: list[Any] = []
        if metrics is not None:
            # Before ErrorCodes: on_operation hooks unwind in reverse, so it sees the final error codes.
            extensions.append(lambda: GraphQLMetrics(metrics))
        # Extension classes/factories, not instances: strawberry builds them per operation (WebSocket
        # operations, and HTTP ones without an `operation_runner`).
        extensions += [ErrorCodes, lambda: PreparedPhases(self._prepared())]
        super().__init__(extensions=extensions, **kwargs)
        self.prepared_documents = PreparedDocuments(
            self._schema,
            rules=validation_rules(introspection=introspection),
            limits=limits,
            max_tokens=max_tokens,
        )
        self.operation_runner: OperationRunner | None = None

    def _prepared(self) -> PreparedDocuments:
        assert self.prepared_documents is not None  # built in __init__, before any operation
        return self.prepared_documents

    async def execute(  # strawberry's signature
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        if self.operation_runner is None:
            return await super().execute(
                query,
                variable_values,
                context_value,
                root_value,
                operation_name,
                allowed_operation_types,
                operation_extensions,
            )
        return await self.operation_runner.run(
            query,
            variables=variable_values,
            context=context_value,
            root=root_value,
            operation_name=operation_name,
            allowed=allowed_operation_types,
            operation_extensions=operation_extensions,
        )

    def process_errors(
        self, errors: list[GraphQLError], execution_context: StrawberryExecutionContext | None = None
    ) -> None:
        # Client errors are answers, not incidents; `classify` logs the unexpected ones once, with a
        # reference the client also sees.
        return None

    def entities_resolver(self, info: Info, representations: list[FederationAny]) -> list[FederationAny]:
        # Malformed representations are refused one by one (schema/entities.py), not failed as INTERNAL.
        return checked_entities(
            lambda valid: super(SessionsSchema, self).entities_resolver(info, valid), representations
        )


def build_schema(
    *,
    max_depth: int = 10,
    max_aliases: int = 30,
    max_tokens: int = 2000,
    max_selections: int = 2000,
    introspection: bool = True,
    metrics: Metrics | None = None,
) -> SessionsSchema:
    # The alias and depth limits are not strawberry's rules (exponential on fragment fan-outs, see
    # schema/limits.py): the prepared documents check them with the expanded-selection limit before
    # validating, once per document text (schema/prepared.py).
    return SessionsSchema(
        limits=Limits(max_selections=max_selections, max_aliases=max_aliases, max_depth=max_depth),
        max_tokens=max_tokens,
        introspection=introspection,
        metrics=metrics,
        query=merge_types("Query", (Query, NodeQuery, NotificationsQuery, ChangesQuery, AvailabilityQuery)),
        mutation=merge_types(
            "Mutation", (Mutation, BulkMutation, ImportMutation, CalendarFeedsMutation)
        ),
        subscription=Subscription,
        types=[Session],
        schema_directives=[RequiresRole],
        # The lowest version with every federation directive the SDL imports (only `@key`): gateways
        # that compose fewer versions than Apollo's still accept it (docs/clients.md#federation-v2).
        federation_version="2.0",
    )
