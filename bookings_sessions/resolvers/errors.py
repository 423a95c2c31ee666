"""Every error leaves with a machine-readable `extensions.code`; unexpected ones are masked and logged."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import GraphQLError, GraphQLSyntaxError
from strawberry.extensions import SchemaExtension
from strawberry.types.execution import ExecutionResult

from ..domain.errors import DomainError

log = logging.getLogger("bookings_sessions.errors")


def _with_code(error: GraphQLError, code: str, **extra: object) -> GraphQLError:
    return GraphQLError(
        message=error.message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=error.original_error,
        extensions={**(error.extensions or {}), "code": code, **extra},
    )


def classify(error: GraphQLError) -> GraphQLError:
    original = error.original_error
    if isinstance(original, DomainError):
        extra = {"field": original.field} if original.field else {}
        return _with_code(error, original.code, **extra)
    if error.extensions and "code" in error.extensions:
        return error
    if isinstance(error, GraphQLSyntaxError):
        return _with_code(error, "GRAPHQL_PARSE_FAILED")
    if original is None:
        # Validation errors: the client's document is wrong.
        return _with_code(error, "GRAPHQL_VALIDATION_FAILED" if error.locations else "BAD_USER_INPUT")
    if isinstance(original, GraphQLError) and error.path is None:
        # Variable coercion (missing, wrong type, unknown enum value or input field): graphql-core's own
        # complaint about the client's variables, raised before execution, so it has no path.
        return _with_code(error, "BAD_USER_INPUT")
    reference = uuid.uuid4().hex[:12]
    log.error("unexpected error (ref %s) at %s", reference, error.path, exc_info=original)
    return GraphQLError(
        message=f"Internal error (reference {reference}).",
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions={"code": "INTERNAL", "reference": reference},
    )


class ErrorCodes(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        try:
            yield
        except GraphQLError as error:
            # ParserCache parses inside its own hook, so a syntax error (or the token limit) escapes the
            # operation; strawberry turns what we re-raise into the response's error.
            raise classify(error) from None
        result = self.execution_context.result
        if isinstance(result, GraphQLExecutionResult | ExecutionResult) and result.errors:
            result.errors = [classify(error) for error in result.errors]
