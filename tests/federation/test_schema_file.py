"""`schema.graphql` is the committed output of `bookings-sessions sdl`; this fails when it is stale."""

from __future__ import annotations

import difflib

from bookings_sessions.schema import build_schema
from tests.support.paths import SCHEMA_FILE


def test_schema_graphql_matches_the_code() -> None:
    current = build_schema().as_str() + "\n"  # what `bookings-sessions sdl` prints
    committed = SCHEMA_FILE.read_text(encoding="utf-8") if SCHEMA_FILE.exists() else ""
    diff = "".join(
        difflib.unified_diff(
            committed.splitlines(keepends=True), current.splitlines(keepends=True), "schema.graphql", "code"
        )
    )
    assert not diff, f"schema.graphql is stale: run `make sdl` and commit it.\n{diff[:3000]}"
