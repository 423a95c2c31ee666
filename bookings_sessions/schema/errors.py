"""Every error leaves with a machine-readable `extensions.code`; unexpected ones are masked and logged."""

from __future__ import annotations

import contextlib
import logging
import re
import uuid
from collections.abc import Iterator, Mapping

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import GraphQLError, GraphQLSyntaxError
from strawberry.extensions import SchemaExtension
from strawberry.types.execution import ExecutionResult

from ..domain.conflicts import ScheduleConflict
from ..domain.errors import Conflict, DomainError
from ..domain.occurrence_capacity import OccurrencesOverCapacity
from .names import graphql_name

log = logging.getLogger("bookings_sessions.errors")

_SNAKE_WORD = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
# Client input echoed in a message is quoted; it is never renamed.
_QUOTED = re.compile(r"('[^']*'|\"[^\"]*\")")


def graphql_path(field: str) -> str:
    """A domain input path (`session_info.participants.0.party_size`) as clients name it."""
    return ".".join(graphql_name(part) for part in field.split("."))


def graphql_message(message: str) -> str:
    parts = _QUOTED.split(message)
    return "".join(
        part if index % 2 else _SNAKE_WORD.sub(lambda word: graphql_name(word.group()), part)
        for index, part in enumerate(parts)
    )


@contextlib.contextmanager
def argument_names(renamed: Mapping[str, str]) -> Iterator[None]:
    """Where a field's argument is not named as the use case's input (`session(id)` vs `session_id`)."""
    try:
        yield
    except DomainError as error:
        if error.field is not None:
            head, dot, rest = error.field.partition(".")
            error.field = renamed.get(head, head) + dot + rest
        raise


def _with_code(
    error: GraphQLError,
    code: str,
    message: str | None = None,
    details: Mapping[str, object] | None = None,
    **extra: object,
) -> GraphQLError:
    return GraphQLError(
        message=error.message if message is None else message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=error.original_error,
        extensions={**(error.extensions or {}), "code": code, **(details or {}), **extra},
    )


def _details(error: DomainError) -> dict[str, object]:
    """What an error says beyond its field, for clients to act on (docs/api.md, error codes)."""
    if isinstance(error, OccurrencesOverCapacity):
        over = [
            {
                "sessionId": found.session_id,
                "date": found.occurrence_date.isoformat(),
                "capacity": found.capacity,
                "booked": found.booked,
            }
            for found in error.overflows
        ]
        return {"overCapacity": over}
    if isinstance(error, ScheduleConflict):
        conflicts = [
            {
                "scheduleId": item.schedule_id,
                "sessionId": item.session_id,
                "start": item.start.isoformat(),
                "end": item.end.isoformat(),
            }
            for item in error.conflicts
        ]
        return {"conflicts": conflicts}
    if isinstance(error, Conflict):
        said = (("currentRevision", error.current_revision), ("movedTo", error.moved_to))
        return {name: value for name, value in said if value is not None}
    return {}


def located_message(error: DomainError) -> tuple[str, str | None]:
    """A domain error's message as clients read it, led by the input path it names (if any)."""
    if not error.field:
        return error.message, None
    field = graphql_path(error.field)
    message = graphql_message(error.message)
    if not message.startswith(field):
        message = f"{field}: {message}"
    return message, field


def logged_reference(error: BaseException | None, path: object) -> str:
    """An unexpected error is logged once, under a reference the client also gets."""
    reference = uuid.uuid4().hex[:12]
    log.error("unexpected error (ref %s) at %s", reference, path, exc_info=error)
    return reference


def internal_message(reference: str) -> str:
    return f"Internal error (reference {reference})."


def code_and_message(error: Exception, path: object) -> tuple[str, str]:
    """What a client is told of a use case's error outside a field of its own (one item of a bulk
    write): the code and message `classify` would give it as the error of the single operation."""
    if isinstance(error, DomainError):
        return error.code, located_message(error)[0]
    return "INTERNAL", internal_message(logged_reference(error, path))


def classify(error: GraphQLError) -> GraphQLError:
    original = error.original_error
    if isinstance(original, DomainError):
        if not original.field:
            return _with_code(error, original.code, details=_details(original))
        message, field = located_message(original)
        return _with_code(error, original.code, message=message, details=_details(original), field=field)
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
    reference = logged_reference(original, error.path)
    return GraphQLError(
        message=internal_message(reference),
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions={"code": "INTERNAL", "reference": reference},
    )


class ErrorCodes(SchemaExtension):
    """The codes on strawberry's path (WebSocket operations); HTTP ones call `classify` directly
    (schema/execution.py)."""

    def on_operation(self) -> Iterator[None]:
        try:
            yield
        except GraphQLError as error:
            # An error a hook raises escapes the operation; strawberry turns what we re-raise into the
            # response's error.
            raise classify(error) from None
        result = self.execution_context.result
        if isinstance(result, GraphQLExecutionResult | ExecutionResult) and result.errors:
            result.errors = [classify(error) for error in result.errors]
