"""The GraphQL schema: a federation v2 subgraph with limits and error codes built in."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaxTokensLimiter
from strawberry.extensions.disable_introspection import DisableIntrospection
from strawberry.federation.schema import FederationAny
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext, Info

from ..observability import GraphQLMetrics, Metrics
from .changes import ChangesQuery
from .directives import RequiresRole
from .entities import checked_entities
from .errors import ErrorCodes
from .execution import LeafFastExecutionContext
from .limits import LimitedValidation, Limits
from .notifications import NotificationsQuery
from .parsing import SafeParserCache
from .root import Mutation, Query
from .subscription import Subscription
from .types import Session


class SessionsSchema(strawberry.federation.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Client errors are answers, not incidents; ErrorCodes logs the unexpected ones once, with a
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
    # Extension classes/factories, not instances: strawberry builds them per operation. The alias and
    # depth limits are not strawberry's rules (exponential on fragment fan-outs, see schema/limits.py);
    # LimitedValidation checks them with the expanded-selection limit before validating, and caches
    # both by (schema, document, rules, limits), a key that repeats from one request to the next.
    limits = Limits(max_selections=max_selections, max_aliases=max_aliases, max_depth=max_depth)
    extensions: list[Any] = []
    if metrics is not None:
        # Before ErrorCodes: on_operation hooks unwind in reverse, so it sees the final error codes.
        extensions.append(lambda: GraphQLMetrics(metrics))
    extensions += [
        ErrorCodes,
        lambda: MaxTokensLimiter(max_token_count=max_tokens),
        lambda: SafeParserCache(maxsize=512),
        lambda: LimitedValidation(limits),
    ]
    if not introspection:
        extensions.append(DisableIntrospection)
    return SessionsSchema(
        query=merge_types("Query", (Query, NotificationsQuery, ChangesQuery)),
        mutation=Mutation,
        subscription=Subscription,
        types=[Session],
        schema_directives=[RequiresRole],
        extensions=extensions,
        execution_context_class=LeafFastExecutionContext,
    )
