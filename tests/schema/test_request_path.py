"""The request path does per-document work once: repeated documents hit the validation cache."""

from __future__ import annotations

from bookings_sessions.schema import build_schema
from bookings_sessions.schema.limits import checked_validation


async def test_a_repeated_document_is_validated_once() -> None:
    schema = build_schema()
    document = "query Probe { __typename }"
    assert (await schema.execute(document)).errors is None
    hits_before = checked_validation.cache_info().hits
    for _ in range(5):
        assert (await schema.execute(document)).errors is None
    # The rules and limits are built once, so the cache key (schema, document, rules, limits) repeats.
    assert checked_validation.cache_info().hits - hits_before == 5


async def test_the_limits_still_refuse_abusive_documents() -> None:
    schema = build_schema(max_depth=3, max_aliases=2)
    deep = "{ sessions { edges { node { start { localDateTime { year } } } } } }"
    aliased = "{ a: __typename b: __typename c: __typename }"
    for document in (deep, aliased):
        result = await schema.execute(document)
        assert result.errors, document
