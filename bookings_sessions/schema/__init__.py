"""The GraphQL schema: a federation v2 subgraph with limits and error codes built in."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import ASTValidationRule, GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    MaxTokensLimiter,
    ValidationCache,
)
from strawberry.extensions.disable_introspection import DisableIntrospection
from strawberry.extensions.max_aliases import create_validator as max_aliases_validator
from strawberry.extensions.query_depth_limiter import create_validator as depth_validator
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from ..observability import GraphQLMetrics, Metrics
from .directives import RequiresRole
from .errors import ErrorCodes
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


def build_schema(
    *,
    max_depth: int = 10,
    max_aliases: int = 30,
    max_tokens: int = 2000,
    introspection: bool = True,
    metrics: Metrics | None = None,
) -> SessionsSchema:
    # Extension classes/factories, not instances: strawberry builds them per operation.
    # Built once: MaxAliasesLimiter/QueryDepthLimiter make a new rule class per instance, which changes
    # ValidationCache's key (schema, document, rules) on every request: validation never hit the cache.
    limit_rules: list[type[ASTValidationRule]] = [
        max_aliases_validator(max_aliases),
        depth_validator(max_depth, None, None),
    ]
    extensions: list[Any] = []
    if metrics is not None:
        # Before ErrorCodes: on_operation hooks unwind in reverse, so it sees the final error codes.
        extensions.append(lambda: GraphQLMetrics(metrics))
    extensions += [
        ErrorCodes,
        lambda: MaxTokensLimiter(max_token_count=max_tokens),
        lambda: SafeParserCache(maxsize=512),
        lambda: AddValidationRules(limit_rules),
        lambda: ValidationCache(maxsize=512),
    ]
    if not introspection:
        extensions.append(DisableIntrospection)
    return SessionsSchema(
        query=merge_types("Query", (Query, NotificationsQuery)),
        mutation=Mutation,
        subscription=Subscription,
        types=[Session],
        schema_directives=[RequiresRole],
        extensions=extensions,
    )
