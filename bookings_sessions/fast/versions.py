"""The library versions that the levers using a library's internals were tested with. On any other
version those levers stay off, with a warning, and the plain components serve (docs/design.md §7)."""

from __future__ import annotations

import logging
from importlib.metadata import version
from typing import Final

log = logging.getLogger("bookings_sessions")

# Version prefixes per distribution: graphql-core's executor internals, strawberry's schema internals.
TESTED: Final = {"graphql-core": ("3.3.",), "strawberry-graphql": ("0.341.",)}


def tested(lever: str, *distributions: str) -> bool:
    """Whether every one of `distributions` is a version `lever` was tested with; logs why not."""
    for distribution in distributions:
        installed = version(distribution)
        if not installed.startswith(TESTED[distribution]):
            log.warning(
                "fast path %s is off: written for %s %s, installed %s",
                lever,
                distribution,
                " or ".join(f"{prefix}x" for prefix in TESTED[distribution]),
                installed,
            )
            return False
    return True
