"""Parsing, the cost limits (limits.py) and validation, done once per distinct document text: a bounded LRU
of `PreparedDocument`s, read by HTTP operations and, through the `PreparedPhases` extension, WebSocket ones,
so both refuse a document the same way. Seam `constant_data` (docs/design.md §7; docs/performance.md lever 2).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLObjectType,
    GraphQLSchema,
    OperationDefinitionNode,
    parse,
)
from graphql.validation import ASTValidationRule, NoSchemaIntrospectionCustomRule, specified_rules
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from .errors import classify
from .limits import Limits, checked_validation

MAX_PREPARED_DOCUMENTS = 512

# A seam: the whole `data` of an operation that cannot depend on anything but its document, worked out
# once with the rest (fast/operation_runner.py answers root-`__typename`-only health checks so); None:
# the operation runs.
ConstantData = Callable[[OperationDefinitionNode, GraphQLObjectType | None], dict[str, Any] | None]


def validation_rules(*, introspection: bool) -> tuple[type[ASTValidationRule], ...]:
    """graphql-core's rules, plus the one that refuses `__schema`/`__type` when introspection is off."""
    rules = tuple(specified_rules)
    return rules if introspection else (*rules, NoSchemaIntrospectionCustomRule)


@dataclass(frozen=True, slots=True)
class PreparedOperation:
    node: OperationDefinitionNode
    kind: OperationType
    constant_data: dict[str, Any] | None  # see `ConstantData`

    @property
    def name(self) -> str | None:
        return self.node.name.value if self.node.name else None


@dataclass(frozen=True, slots=True)
class PreparedDocument:
    document: DocumentNode | None  # None: the text does not parse (or has too many tokens)
    errors: tuple[GraphQLError, ...]  # the syntax error, or the limit and validation errors, with codes
    operations: tuple[PreparedOperation, ...] = ()

    def operation(self, name: str | None) -> PreparedOperation | None:
        """The named operation, or without a name the first one (graphql-core then insists on a name
        when there are several, with a request error)."""
        for operation in self.operations:
            if name is None or operation.name == name:
                return operation
        return None


class PreparedDocuments:
    def __init__(
        self,
        schema: GraphQLSchema,
        *,
        rules: Sequence[type[ASTValidationRule]],
        limits: Limits,
        max_tokens: int,
        maxsize: int = MAX_PREPARED_DOCUMENTS,
    ) -> None:
        self._schema = schema
        self._rules = tuple(rules)
        self._limits = limits
        self.max_tokens = max_tokens
        self._maxsize = maxsize
        self._cache: OrderedDict[str, PreparedDocument] = OrderedDict()
        self.constant_data: ConstantData | None = None

    def get(self, text: str) -> PreparedDocument:
        found = self._cache.get(text)
        if found is not None:
            self._cache.move_to_end(text)
            return found
        prepared = self._prepare(text)
        self._cache[text] = prepared
        if len(self._cache) > self._maxsize:
            self._cache.popitem(last=False)
        return prepared

    def _prepare(self, text: str) -> PreparedDocument:
        try:
            document = parse(text, max_tokens=self.max_tokens)
        except GraphQLError as error:
            return PreparedDocument(None, (classify(error),))
        errors = tuple(
            classify(error) for error in checked_validation(self._schema, document, self._rules, self._limits)
        )
        operations = tuple(
            self._operation(node, valid=not errors)
            for node in document.definitions
            if isinstance(node, OperationDefinitionNode)
        )
        return PreparedDocument(document, errors, operations)

    def _operation(self, node: OperationDefinitionNode, *, valid: bool) -> PreparedOperation:
        kind = OperationType(node.operation.value)
        constant = self.constant_data
        if constant is None or not valid:
            return PreparedOperation(node, kind, None)
        return PreparedOperation(node, kind, constant(node, self._schema.get_root_type(node.operation)))


class PreparedPhases(SchemaExtension):
    """strawberry's parse and validate phases, answered from the cache (WebSocket operations)."""

    def __init__(self, prepared: PreparedDocuments) -> None:
        self.prepared = prepared

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.query:
            document = self.prepared.get(context.query).document
            if document is None:
                # strawberry parses again, inside the guard that reports a syntax error as a request
                # error, and fails the same way.
                context.parse_options["max_tokens"] = self.prepared.max_tokens
            context.graphql_document = document
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        assert context.query is not None  # strawberry validates only a parsed document
        context.pre_execution_errors = list(self.prepared.get(context.query).errors)
        yield
