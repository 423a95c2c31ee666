"""Hostile GraphQL documents (issue 13): refused before the costly work, with the documented codes."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from graphql import get_introspection_query

from tests.support.api import Api
from tests.support.paths import DOCS_DIR

GRAPHQL_RESPONSE = "application/graphql-response+json"
SECURITY_DOC = DOCS_DIR / "security.md"


async def post(api: Api, document: str, variables: dict[str, Any] | None = None) -> httpx.Response:
    return await api.client.post(
        "/graphql",
        json={"query": document, "variables": variables or {}},
        headers={"Accept": GRAPHQL_RESPONSE},
    )


async def refusal(api: Api, document: str) -> dict[str, Any]:
    """The only error of a request refused before it ran (400, no `data`)."""
    response = await post(api, document)
    body = response.json()
    assert response.status_code == 400, body
    assert "data" not in body, body
    [error] = body["errors"]
    assert isinstance(error, dict)
    return error


def fan_out(levels: int, width: int, leaf: str = "__typename") -> str:
    """Fragment i spreads fragment i+1 `width` times: width**levels leaves once expanded, in < 2 KB."""
    lines = ["query FanOut { ...F0 }"]
    for level in range(levels):
        spreads = " ".join([f"...F{level + 1}"] * width)
        lines.append(f"fragment F{level} on Query {{ {spreads} }}")
    lines.append(f"fragment F{levels} on Query {{ {leaf} }}")
    return "\n".join(lines)


# --- the fan-out that froze the server -------------------------------------------------------------


@pytest.mark.parametrize(("levels", "width"), [(20, 2), (30, 3)], ids=["20x2", "30x3"])
async def test_a_fragment_fan_out_is_refused_with_a_clear_error(api: Api, levels: int, width: int) -> None:
    document = fan_out(levels, width)
    assert len(document.encode()) < 2048

    error = await refusal(api, document)

    assert error["extensions"] == {"code": "BAD_USER_INPUT"}
    assert f"{width**levels} fields" in error["message"]
    assert "at most 2000" in error["message"]


async def test_a_fan_out_closed_into_a_cycle_is_refused_not_walked_forever(api: Api) -> None:
    with_fields = fan_out(30, 3, leaf="__typename ...F0")
    only_spreads = fan_out(30, 3, leaf="...F0")

    assert (await refusal(api, with_fields))["extensions"] == {"code": "BAD_USER_INPUT"}
    # No field at all: nothing to count, so validation runs and graphql-core reports the cycle.
    error = await refusal(api, only_spreads)
    assert error["extensions"] == {"code": "GRAPHQL_VALIDATION_FAILED"}
    assert "Cannot spread fragment" in error["message"]


async def test_documents_within_the_limits_are_answered(api: Api) -> None:
    small_fan_out = fan_out(10, 2)  # 1024 fields once expanded
    introspection = get_introspection_query(
        descriptions=True,
        specified_by_url=True,
        directive_is_repeatable=True,
        schema_description=True,
        input_value_deprecation=True,
    )

    assert (await post(api, small_fan_out)).json() == {"data": {"__typename": "Query"}}
    body = (await post(api, introspection)).json()
    assert "errors" not in body and body["data"]["__schema"]["queryType"]["name"] == "Query"


class TestTheSelectionLimitCountsExpandedFields:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"max_selections": 10}

    async def test_fields_are_counted_once_per_spread(self, api: Api) -> None:
        ten = "{ " + "__typename " * 10 + "}"
        eleven = "{ " + "__typename " * 11 + "}"
        six_twice = "query { ...Six ...Six } fragment Six on Query { " + "__typename " * 6 + "}"
        nested = "{ a: sessions { pageInfo { hasNextPage } } b: sessions { pageInfo { hasNextPage } } }"

        assert (await post(api, ten)).json() == {"data": {"__typename": "Query"}}
        for document, count in ((eleven, 11), (six_twice, 12)):
            error = await refusal(api, document)
            assert error["extensions"] == {"code": "BAD_USER_INPUT"}
            assert f"{count} fields" in error["message"] and "at most 10" in error["message"]
        # Nested fields count too (2 x 3 = 6), so this one is within the limit.
        assert "errors" not in (await post(api, nested)).json()


# --- aliases and depth, counted over the expanded document -----------------------------------------


def aliases(count: int, prefix: str = "a") -> str:
    return " ".join(f"{prefix}{index}: __typename" for index in range(count))


async def test_the_alias_limit_counts_aliases_behind_every_spread(api: Api) -> None:
    thirty = "{ " + aliases(30) + " }"
    thirty_one = "{ " + aliases(31) + " }"
    sixteen_twice = "query { ...A ...A } fragment A on Query { " + aliases(16) + " }"

    assert "errors" not in (await post(api, thirty)).json()
    for document, count in ((thirty_one, 31), (sixteen_twice, 32)):
        error = await refusal(api, document)
        assert error["extensions"] == {"code": "GRAPHQL_VALIDATION_FAILED"}
        assert error["message"] == f"{count} aliases found. Allowed: 30"


class TestDepthThroughFragments:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"max_query_depth": 2}

    async def test_a_fragment_adds_its_depth_where_it_is_spread(self, api: Api) -> None:
        when = "fragment When on Session { start { localDateTime { year } } }"
        deep = 'query Deep { session(id: "x") { ...When } } ' + when
        shallow = 'query Shallow { session(id: "x") { ...When } } ' + when.replace(
            "localDateTime { year }", "timestamp"
        )

        error = await refusal(api, deep)
        assert error["extensions"] == {"code": "GRAPHQL_VALIDATION_FAILED"}
        assert error["message"] == "'Deep' exceeds maximum operation depth of 2"
        assert (await post(api, shallow)).json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_an_unknown_fragment_is_a_validation_error(api: Api) -> None:
    # strawberry's depth rule looked the fragment up without checking and failed with a bare KeyError.
    error = await refusal(api, "{ ...Nope }")
    assert error["extensions"] == {"code": "GRAPHQL_VALIDATION_FAILED"}
    assert error["message"] == "Unknown fragment 'Nope'."


# --- every limit answers the code its documentation names ------------------------------------------

LIMITS: dict[str, str] = {
    "MAX_SELECTIONS": fan_out(12, 2),
    "MAX_ALIASES": "{ " + aliases(31) + " }",
    "MAX_QUERY_DEPTH": "{ sessions { edges { node { start { localDateTime { year } } } } } }",
    "MAX_TOKENS": "{ " + "__typename " * 2100 + "}",
    # The same field 1990 times: graphql-core gives up comparing them ("Validation aborted.").
    "repeated fields": "{ " + "__typename " * 1990 + "}",
}


def documented_codes() -> dict[str, str]:
    """`| name | ... | `CODE` |` rows of the limits table in docs/security.md: name -> code."""
    table = SECURITY_DOC.read_text(encoding="utf-8").split("<!-- limits -->", 2)[1]
    rows = re.findall(r"^\| `?([A-Za-z_ ]+?)`? \|.*\| `([A-Z_]+)` \|$", table, flags=re.MULTILINE)
    return dict(rows)


class TestEveryLimitAnswersItsDocumentedCode:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"max_query_depth": 3}

    @pytest.mark.parametrize("limit", list(LIMITS))
    async def test_code(self, api: Api, limit: str) -> None:
        codes = documented_codes()
        assert set(LIMITS) <= set(codes), codes

        error = await refusal(api, LIMITS[limit])

        assert error["extensions"] == {"code": codes[limit]}, error
