"""What a document may cost (expanded selections, aliases, depth), measured on its syntax tree before any
validation rule runs, each fragment once, so the cost is linear in the document's size. Why: docs/security.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)
from graphql.validation import ASTValidationRule
from graphql.validation.validate import ValidationAbortedError
from strawberry.schema.schema import validate_document


@dataclass(frozen=True, slots=True)
class Limits:
    max_selections: int = 2000
    max_aliases: int = 30
    max_depth: int = 10


@dataclass(frozen=True, slots=True)
class Measure:
    """Of a selection set once every spread in it is replaced by its fragment."""

    fields: int = 0
    aliases: int = 0
    # Level of the deepest field, root fields at 0; below an introspection field (`__schema`…) levels
    # are not counted, as in strawberry's depth rule (graphql-core bounds introspection depth itself).
    depth: int = 0


EMPTY = Measure()


@dataclass
class _Local:
    """A selection set's own fields and aliases, and its spreads with the level each one sits at."""

    fields: int = 0
    aliases: int = 0
    depth: int = 0
    spreads: list[tuple[str, int | None]] = field(default_factory=list)


def _collect(selection_set: SelectionSetNode, level: int | None, into: _Local) -> None:
    # Recursion is bounded by the nesting of one definition, which graphql-core's parser caps (200).
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            into.fields += 1
            into.aliases += selection.alias is not None
            if level is not None:
                into.depth = max(into.depth, level)
            if selection.selection_set is not None:
                below = None if level is None or selection.name.value.startswith("__") else level + 1
                _collect(selection.selection_set, below, into)
        elif isinstance(selection, InlineFragmentNode):
            _collect(selection.selection_set, level, into)
        elif isinstance(selection, FragmentSpreadNode):
            into.spreads.append((selection.name.value, level))


def _local(selection_set: SelectionSetNode) -> _Local:
    local = _Local()
    _collect(selection_set, 0, local)
    return local


class DocumentMeasure:
    """Measures a document's operations, each fragment once (in dependency order, without recursion)."""

    def __init__(self, document: DocumentNode) -> None:
        self._locals = {
            definition.name.value: _local(definition.selection_set)
            for definition in document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }
        self._done: dict[str, Measure] = {}
        self.operations = [
            definition
            for definition in document.definitions
            if isinstance(definition, OperationDefinitionNode)
        ]

    def operation(self, operation: OperationDefinitionNode) -> Measure:
        local = _local(operation.selection_set)
        for name, _level in local.spreads:
            self._measure_fragment(name)
        return self._combine(local)

    def _combine(self, local: _Local) -> Measure:
        fields, aliases, depth = local.fields, local.aliases, local.depth
        for name, level in local.spreads:
            # Not done: unknown, or a spread back into a fragment still being measured (a cycle).
            inner = self._done.get(name, EMPTY)
            fields += inner.fields
            aliases += inner.aliases
            if level is not None:
                depth = max(depth, level + inner.depth)
        return Measure(fields, aliases, depth)

    def _measure_fragment(self, root: str) -> None:
        # Depth-first over the spread graph with an explicit stack: a chain of thousands of fragments
        # (MAX_TOKENS allows them) must not exhaust Python's recursion limit.
        if root in self._done or root not in self._locals:
            return
        active = {root}
        stack: list[tuple[str, Iterator[tuple[str, int | None]]]] = [(root, iter(self._locals[root].spreads))]
        while stack:
            name, spreads = stack[-1]
            for child, _level in spreads:
                if child in self._locals and child not in self._done and child not in active:
                    active.add(child)
                    stack.append((child, iter(self._locals[child].spreads)))
                    break
            else:
                stack.pop()
                active.discard(name)
                self._done[name] = self._combine(self._locals[name])


def _refused(message: str, code: str, nodes: list[OperationDefinitionNode] | None = None) -> GraphQLError:
    return GraphQLError(message, nodes, extensions={"code": code})


def limit_errors(document: DocumentNode, limits: Limits) -> list[GraphQLError]:
    measure = DocumentMeasure(document)
    measured = [(operation, measure.operation(operation)) for operation in measure.operations]
    fields = sum(found.fields for _, found in measured)
    if fields > limits.max_selections:
        # Nothing else is checked: the document is refused before validation could be costly.
        return [
            _refused(
                f"The document selects {fields} fields once its fragments are expanded; "
                f"at most {limits.max_selections} are allowed.",
                "BAD_USER_INPUT",
            )
        ]
    errors = []
    aliases = sum(found.aliases for _, found in measured)
    if aliases > limits.max_aliases:
        # strawberry's wording, kept for clients that match on it.
        message = f"{aliases} aliases found. Allowed: {limits.max_aliases}"
        errors.append(_refused(message, "GRAPHQL_VALIDATION_FAILED"))
    for operation, found in measured:
        if found.depth > limits.max_depth:
            name = operation.name.value if operation.name else "anonymous"
            message = f"'{name}' exceeds maximum operation depth of {limits.max_depth}"
            errors.append(_refused(message, "GRAPHQL_VALIDATION_FAILED", [operation]))
    return errors


def _clear_abort(error: GraphQLError) -> GraphQLError:
    # graphql-core gives up on a document too costly to validate (too many overlapping fields to
    # compare, fragments nested too deeply, too many errors): the client's problem, not ours.
    if not isinstance(error, ValidationAbortedError):
        return error
    message = error.message
    if message == "Validation aborted.":
        message = (
            "Validation aborted: the document is too complex to validate "
            "(the same fields selected too often, or fragments nested too deeply)."
        )
    return _refused(message, "GRAPHQL_VALIDATION_FAILED")


def checked_validation(
    schema: GraphQLSchema,
    document: DocumentNode,
    rules: tuple[type[ASTValidationRule], ...],
    limits: Limits,
) -> list[GraphQLError]:
    """The limits first, then graphql-core's rules (schema/prepared.py runs this once per document text)."""
    errors = limit_errors(document, limits)
    if errors:
        return errors
    return [_clear_abort(error) for error in validate_document(schema, document, rules)]
