"""Federation `_entities`: each representation checked before strawberry resolves it, so a malformed one is
a BAD_USER_INPUT at its own index (not an INTERNAL with a traceback) and the others still resolve
(docs/clients.md, "Federation v2").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from ..domain.errors import BadUserInput

# The entities of this subgraph and their @key field (see Session in schema/types.py).
ENTITY_KEYS: Final = {"Session": "_id"}


def representation_error(representation: object, index: int) -> BadUserInput | None:
    where = f"representations.{index}"
    if not isinstance(representation, dict):
        return BadUserInput(
            'Each representation must be an object like {"__typename": "Session", "_id": "..."}.', field=where
        )
    typename = representation.get("__typename")
    if not isinstance(typename, str) or typename not in ENTITY_KEYS:
        entities = ", ".join(ENTITY_KEYS)
        return BadUserInput(
            f"A representation's __typename must name an entity type ({entities}), not {typename!r}.",
            field=f"{where}.__typename",
        )
    key = ENTITY_KEYS[typename]
    if not isinstance(representation.get(key), str):
        return BadUserInput(
            f"A {typename} representation needs its key {key}, a string.", field=f"{where}.{key}"
        )
    return None


def checked_entities(resolve: Callable[[list[Any]], list[Any]], representations: list[Any]) -> list[Any]:
    """`resolve` (strawberry's resolver) on the well-formed representations, errors in place of the rest."""
    errors = [
        representation_error(representation, index) for index, representation in enumerate(representations)
    ]
    resolved = iter(
        resolve([rep for rep, error in zip(representations, errors, strict=True) if error is None])
    )
    return [next(resolved) if error is None else error for error in errors]
