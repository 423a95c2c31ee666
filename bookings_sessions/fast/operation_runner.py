"""The operation runner: queries and mutations over HTTP run from their prepared document through
graphql-core's executor, in strawberry's order of steps but without its per-operation extension hooks;
and the constant answer of an operation that selects only `__typename` at the root. Seams and why:
docs/design.md §7, docs/performance.md levers 2 and 4.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from inspect import isawaitable
from typing import Any, cast

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import FieldNode, GraphQLObjectType, GraphQLSchema, OperationDefinitionNode, execute
from graphql.execution import Executor
from strawberry.exceptions import MissingQueryError
from strawberry.execution import optimized_is_awaitable
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.schema.schema import DEFAULT_ALLOWED_OPERATION_TYPES
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from ..observability import Metrics, result_code
from ..schema.errors import classify
from ..schema.prepared import PreparedDocuments

UNKNOWN_OPERATION = "unknown"


def typename_data(
    operation: OperationDefinitionNode, root: GraphQLObjectType | None
) -> dict[str, Any] | None:
    """The whole `data` of an operation that selects only `__typename` at the root: what gateways and
    load balancers send as a health check (Apollo's `__ApolloServiceHealthCheck__`). None otherwise."""
    if root is None or operation.variable_definitions or operation.directives:
        return None
    data: dict[str, Any] = {}
    for selection in operation.selection_set.selections:
        if not (
            isinstance(selection, FieldNode)
            and selection.name.value == "__typename"
            and not selection.directives
            and not selection.arguments
        ):
            return None
        data[(selection.alias or selection.name).value] = root.name
    return data


class OperationRunner:
    """Replaces strawberry's `Schema.execute` for queries and mutations over HTTP (`SessionsSchema`'s
    `operation_runner` seam). Its steps, in its order, so the answers are the same: parse errors; the
    operation must exist and be allowed on this transport (else the exception the view turns into 400 or
    405); validation errors; execution with strawberry's execution context class (the same `Info`); then
    the error codes (schema/errors.py `classify`) and one metrics observation."""

    def __init__(
        self,
        schema: GraphQLSchema,
        prepared: PreparedDocuments,
        execution_context_class: type[Executor[Any]],
        metrics: Metrics | None,
    ) -> None:
        self._schema = schema
        self._prepared = prepared
        self._execution_context_class = execution_context_class
        self._metrics = metrics

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
    ) -> ExecutionResult:
        started = time.perf_counter()
        if not query:
            raise MissingQueryError
        prepared = self._prepared.get(query)
        if prepared.document is None:
            return self._answer(None, list(prepared.errors), UNKNOWN_OPERATION, operation_name, started)
        operation = prepared.operation(operation_name)
        if operation is None:
            raise CannotGetOperationTypeError(operation_name)
        kind = operation.kind
        if kind not in (DEFAULT_ALLOWED_OPERATION_TYPES if allowed is None else allowed):
            raise InvalidOperationTypeError(kind)
        name = operation.name if operation_name is None else operation_name
        if prepared.errors:
            return self._answer(None, list(prepared.errors), kind.value, name, started)
        if operation.constant_data is not None and len(prepared.operations) == 1:
            return self._answer(dict(operation.constant_data), None, kind.value, name, started)
        outcome = execute(
            self._schema,
            prepared.document,
            root_value=root,
            context_value=context,
            variable_values=variables,
            operation_name=operation_name,
            executor_class=self._execution_context_class,
            is_awaitable=cast(Any, optimized_is_awaitable),  # a plain bool predicate, as graphql-core needs
            operation_extensions=operation_extensions,
        )
        result: GraphQLExecutionResult = await outcome if isawaitable(outcome) else outcome
        errors = [classify(error) for error in result.errors] if result.errors else None
        return self._answer(result.data, errors, kind.value, name, started)

    def _answer(
        self,
        data: dict[str, Any] | None,
        errors: list[Any] | None,
        kind: str,
        name: str | None,
        started: float,
    ) -> ExecutionResult:
        if self._metrics is not None:
            self._metrics.record_operation(name, kind, result_code(errors), time.perf_counter() - started)
        return ExecutionResult(data=data, errors=errors)
