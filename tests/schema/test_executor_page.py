"""The executor's short path for plain scalar fields answers exactly what graphql-core's own path does."""

from __future__ import annotations

import json
from typing import Any

import pytest
import strawberry
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from bookings_sessions.fast.executor import LeafFastExecutionContext
from tests.support.api import Api
from tests.support.graphql import (
    CALENDAR_FIELDS,
    FIRST_MONDAY,
    SESSION_FIELDS,
    sessions_query,
    weekly_series_info,
)

# Aliases, a field asked twice, a fragment, @skip/@include, __typename, nulls, enums, lists, and the
# fields the short path leaves to graphql-core (objects, the role-checked ones).
NODE = f"""
  __typename {SESSION_FIELDS} {CALENDAR_FIELDS}
  again: _id tagsToo: tags notes
  skipped: title @skip(if: true) kept: title @include(if: true)
  ...more
"""
PAGE = sessions_query(NODE) + " fragment more on Session { capacity tags revision }"
ALL_WEEKS = {"from": "2030-01-01T00:00:00Z", "to": "2030-03-01T00:00:00Z"}


async def both_answers(
    api: Api, monkeypatch: pytest.MonkeyPatch, token: str | None, variables: dict[str, Any]
) -> tuple[str, str]:
    """The response body with the short path, and with graphql-core's path only (key order included)."""
    fast = await api.post(PAGE, variables, token)
    with monkeypatch.context() as patched:
        general = StrawberryGraphQLCoreExecutionContext.execute_fields
        patched.setattr(LeafFastExecutionContext, "execute_fields", general)
        reference = await api.post(PAGE, variables, token)
    return json.dumps(fast), json.dumps(reference)


async def seed(api: Api) -> None:
    await api.create_single(
        title="Yoga",
        capacity=10,
        timeReservedAfter=15,
        location={"type": "CUSTOM", "name": "Studio", "address": "1 Main St"},
        participants=[{"name": "Ada", "email": "ada@example.com", "partySize": 2}],
        affectedSchedules=[{"scheduleId": "room-1", "transparency": "BUSY"}],
        tags=["INDIVIDUAL", "VIP"],
    )
    await api.create_single(notes=None, tags=[])
    await api.create_series(**{"title": "Class", "notes": None})


@pytest.mark.parametrize("role", ["admin", "staff", "anonymous"])
async def test_a_page_answers_the_same_with_and_without_the_short_path(
    api: Api, monkeypatch: pytest.MonkeyPatch, role: str
) -> None:
    await seed(api)
    token = {"admin": api.tokens.admin, "staff": api.tokens.staff, "anonymous": None}[role]
    singles = {"expand": False}
    expanded = {"expand": True, "window": ALL_WEEKS, "filter": {"scheduleId": "schedule-1"}}
    for variables in (singles, expanded):
        fast, reference = await both_answers(api, monkeypatch, token, variables)
        assert fast == reference
        assert json.loads(fast)["data"]["sessions"]["edges"], fast
    # The anonymous caller's answer carries the FORBIDDEN errors of the role-checked fields.
    if role == "anonymous":
        assert json.loads(fast)["errors"]


async def test_instances_inherited_fields_and_original_start_survive(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    series = await api.create_series(**weekly_series_info(first=FIRST_MONDAY))
    variables = {"expand": True, "window": ALL_WEEKS, "filter": {"recurringSessionId": series["_id"]}}
    fast, reference = await both_answers(api, monkeypatch, api.tokens.admin, variables)
    assert fast == reference
    node = json.loads(fast)["data"]["sessions"]["edges"][0]["node"]
    assert node["inheritedFields"] and node["originalStart"]


async def test_plain_fields_skip_the_resolve_info(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """The point of the short paths: a page builds a `GraphQLResolveInfo` for its root field and its list of
    edges only, none per session, per time or per scalar, nor per role-checked field the caller may read."""
    await seed(api)
    built: list[str] = []
    general = StrawberryGraphQLCoreExecutionContext.build_resolve_info

    def counting(self: Any, field_def: Any, field_nodes: Any, parent_type: Any, path: Any) -> Any:
        built.append(field_nodes[0].name.value)
        return general(self, field_def, field_nodes, parent_type, path)

    monkeypatch.setattr(LeafFastExecutionContext, "build_resolve_info", counting)
    query = sessions_query(
        "_id scheduleId tags status type revision updatedDate start { timestamp } notes location { name }"
    )
    data = await api.data(query, {"expand": False}, api.tokens.staff)
    assert len(data["sessions"]["edges"]) == 3
    assert sorted(built) == ["edges", "sessions"]


@strawberry.type
class Inner:
    plain: int

    @strawberry.field
    async def later(self) -> str:
        return "later"

    @strawberry.field
    async def broken(self) -> int:
        raise ValueError("broken inside")


@strawberry.type
class Outer:
    name: str
    inner: Inner
    maybe: Inner | None


@strawberry.type
class ToyQuery:
    @strawberry.field
    def outer(self) -> Outer:
        return Outer(name="outer", inner=Inner(plain=1), maybe=Inner(plain=2))


@pytest.mark.parametrize(
    "document",
    [
        "{ outer { name inner { plain later } maybe { later plain } } }",
        "{ outer { maybe { plain broken } name } }",  # an error inside an object completed later
        "{ outer { inner { broken } name } }",  # ... bubbling to the nullable `outer`
    ],
)
async def test_objects_with_async_fields_inside_complete_as_graphql_core_does(document: str) -> None:
    fast = strawberry.Schema(query=ToyQuery, execution_context_class=LeafFastExecutionContext)
    general = strawberry.Schema(query=ToyQuery)
    ours, reference = await fast.execute(document), await general.execute(document)
    assert json.dumps(ours.data) == json.dumps(reference.data)
    assert [(error.message, error.path) for error in ours.errors or ()] == [
        (error.message, error.path) for error in reference.errors or ()
    ]
