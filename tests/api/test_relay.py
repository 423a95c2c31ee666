"""Relay: `relay-compiler` compiles the fixtures in tests/node/relay against `schema.graphql`, and the
operations it generates — sent with the variables Relay's pagination and refetch would send — page a
week forwards and backwards and refetch sessions through `node(id:)` (docs/clients.md, "Using Relay").
"""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime
from typing import Any

import pytest

from tests.support.api import Api
from tests.support.graphql import create_mutation, session_query, wall_time, weekly_series_info, window
from tests.support.live_server import run_node
from tests.support.paths import SCHEMA_FILE

SCHEDULE = "relay-week"
WEEK = window(datetime(2030, 1, 7, tzinfo=UTC), datetime(2030, 1, 14, tzinfo=UTC))
CREATE = create_mutation("_id id")


@pytest.fixture(scope="module")
def relay(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    compiled: dict[str, Any] = run_node(
        "relay-compile.mjs", str(SCHEMA_FILE), str(tmp_path_factory.mktemp("relay"))
    )
    return compiled


def global_id(type_name: str, own_id: str) -> str:
    """As docs/api.md spells it: the unpadded base64url of `<type>:<id>`."""
    return base64.urlsafe_b64encode(f"{type_name}:{own_id}".encode()).decode().rstrip("=")


def paging_variables(
    connection: dict[str, Any], direction: str, cursor: str | None, count: int, base: dict[str, Any]
) -> dict[str, Any]:
    """What Relay's loadNext/loadPrevious send: this direction's count and cursor, the other's null."""
    other = connection["backward" if direction == "forward" else "forward"]
    variables = dict(base)
    if other is not None:
        variables |= {other["count"]: None, other["cursor"]: None}
    return variables | {connection[direction]["count"]: count, connection[direction]["cursor"]: cursor}


def test_relay_compiler_compiles_the_fixtures(relay: dict[str, Any]) -> None:
    assert relay["exitCode"] == 0, relay["output"]
    assert {
        "WeekViewQuery",
        "WeekViewPaginationQuery",
        "SessionCardRefetchQuery",
        "SessionDetailsQuery",
        "ChangeFeedPaginationQuery",
        "NotificationListPaginationQuery",
    } <= set(relay["operations"])
    week = relay["refetch"]["WeekView_query"]["connection"]
    assert week["forward"] == {"count": "first", "cursor": "after"}
    assert week["backward"] == {"count": "last", "cursor": "before"}
    assert relay["refetch"]["SessionCard_session"]["operation"] == "SessionCardRefetchQuery"


async def _a_busy_week(api: Api) -> None:
    """Seven daily occurrences and three single sessions, two of them at an occurrence's start."""
    await api.data(
        CREATE,
        {"info": weekly_series_info(rule="FREQ=DAILY", zone="UTC", scheduleId=SCHEDULE, hours=(9, 10))},
    )
    for day, hour in ((date(2030, 1, 8), 9), (date(2030, 1, 10), 9), (date(2030, 1, 12), 18)):
        info = {"scheduleId": SCHEDULE, "start": wall_time(day, hour, zone="UTC")}
        await api.data(CREATE, {"info": info | {"end": wall_time(day, hour + 1, zone="UTC")}})


async def _relay_page(
    api: Api, relay: dict[str, Any], name: str, variables: dict[str, Any]
) -> dict[str, Any]:
    connection: dict[str, Any] = (await api.data(relay["operations"][name], variables, token=None))[
        "sessions"
    ]
    return connection


async def test_a_week_pages_forwards_then_backwards_with_relays_cursors(
    api: Api, relay: dict[str, Any]
) -> None:
    await _a_busy_week(api)
    whole = await _relay_page(
        api, relay, "WeekViewQuery", {"window": WEEK, "scheduleId": SCHEDULE, "first": 500}
    )
    expected = [edge["node"]["id"] for edge in whole["edges"]]
    assert len(expected) == 10 and not whole["pageInfo"]["hasNextPage"]
    connection = relay["refetch"]["WeekView_query"]["connection"]
    base = {"window": WEEK, "scheduleId": SCHEDULE}

    page = await _relay_page(api, relay, "WeekViewQuery", base | {"first": 3})
    forwards, infos = [edge["node"]["id"] for edge in page["edges"]], [page["pageInfo"]]
    while page["pageInfo"]["hasNextPage"]:
        variables = paging_variables(connection, "forward", page["pageInfo"]["endCursor"], 3, base)
        page = await _relay_page(api, relay, "WeekViewPaginationQuery", variables)
        forwards += [edge["node"]["id"] for edge in page["edges"]]
        infos.append(page["pageInfo"])
    assert forwards == expected
    assert [info["hasPreviousPage"] for info in infos] == [False] * 4  # forwards: the spec allows false
    assert all(info["startCursor"] and info["endCursor"] for info in infos)

    # From the last page back: loadPrevious sends its startCursor as `before`, `last` as the count.
    backwards = [edge["node"]["id"] for edge in page["edges"]]
    previous_flags = []
    while page["pageInfo"]["hasPreviousPage"] or len(previous_flags) == 0:
        variables = paging_variables(connection, "backward", page["pageInfo"]["startCursor"], 4, base)
        page = await _relay_page(api, relay, "WeekViewPaginationQuery", variables)
        backwards = [edge["node"]["id"] for edge in page["edges"]] + backwards
        previous_flags.append(page["pageInfo"]["hasPreviousPage"])
    assert backwards == expected
    assert previous_flags == [True, True, False]  # 1 on the last page, then 4, 4 and the first 1
    assert page["edges"][0]["cursor"] == page["pageInfo"]["startCursor"]


async def test_paging_backwards_without_a_cursor_ends_at_the_last_session(api: Api) -> None:
    await _a_busy_week(api)
    query = """query($w: TimeWindow!, $last: Int, $first: Int) {
      sessions(filter: {scheduleId: "relay-week"}, window: $w, expandInstances: true,
               last: $last, first: $first) {
        edges { node { start { timestamp } } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      } }"""
    tail = (await api.data(query, {"w": WEEK, "last": 2}))["sessions"]
    assert [edge["node"]["start"]["timestamp"] for edge in tail["edges"]] == [
        "2030-01-12T18:00:00+00:00",
        "2030-01-13T09:00:00+00:00",
    ]
    assert tail["pageInfo"]["hasPreviousPage"] is True
    error = await api.error(query, {"w": WEEK, "last": 2, "first": 2})
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "last"}
    error = await api.error(query, {"w": WEEK, "last": 501})
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and error["extensions"]["field"] == "last"


async def test_node_refetches_sessions_and_instances_as_relay_does(api: Api, relay: dict[str, Any]) -> None:
    await _a_busy_week(api)
    listed = await _relay_page(
        api, relay, "WeekViewQuery", {"window": WEEK, "scheduleId": SCHEDULE, "first": 500}
    )
    nodes = [edge["node"] for edge in listed["edges"]]
    instance = next(node for node in nodes if node["recurrenceType"] == "INSTANCE")
    single = next(node for node in nodes if node["recurrenceType"] == "NONE")
    for node in (instance, single):
        assert node["id"] == global_id("Session", node["_id"])  # the documented relation
        refetched = await api.data(relay["operations"]["SessionCardRefetchQuery"], {"id": node["id"]}, None)
        assert refetched["node"] == node | {"__typename": "Session"}
        details = await api.data(relay["operations"]["SessionDetailsQuery"], {"id": node["id"]}, None)
        assert details["node"]["_id"] == node["_id"] and details["node"]["status"] == "CONFIRMED"

    # The refetch sees writes: the series' revision moves its untouched instances' too.
    series_id = instance["recurringSessionId"]
    await api.update(series_id, {"title": "Daily stand-up"})
    after = await api.data(relay["operations"]["SessionCardRefetchQuery"], {"id": instance["id"]}, None)
    assert after["node"]["title"] == "Daily stand-up"
    assert after["node"]["revision"] > instance["revision"]


NODE_NOTES = "query($id: ID!) { node(id: $id) { id ... on Session { _id notes } } }"


async def test_node_keeps_the_field_guards_of_session(api: Api) -> None:
    created = (
        await api.data(
            CREATE,
            {
                "info": {
                    "scheduleId": SCHEDULE,
                    "notes": "private",
                    "start": wall_time(date(2030, 1, 8), 12, zone="UTC"),
                    "end": wall_time(date(2030, 1, 8), 13, zone="UTC"),
                }
            },
        )
    )["createSession"]
    as_admin = await api.data(NODE_NOTES, {"id": created["id"]})
    assert as_admin["node"] == {"id": created["id"], "_id": created["_id"], "notes": "private"}
    own_query = await api.post(session_query("notes"), {"id": created["_id"]})
    through_node = await api.post(NODE_NOTES, {"id": created["id"]})
    codes = [[error["extensions"]["code"] for error in body["errors"]] for body in (own_query, through_node)]
    assert codes[0] == codes[1] == ["FORBIDDEN"]


async def test_unknown_and_malformed_ids_answer_null_without_an_error(api: Api) -> None:
    created = (await api.data(CREATE, {"info": weekly_series_info(scheduleId=SCHEDULE)}))["createSession"]
    not_an_occurrence = base64.urlsafe_b64encode(f"{created['_id']}|20300108".encode()).decode().rstrip("=")
    ids = [
        "not-a-global-id",
        "",
        created["_id"],  # the seed's `_id` is not a global id
        global_id("Session", "0" * 32),  # names nothing
        global_id("Notification", created["_id"]),  # another type's id space
        global_id("Session", f"i_{not_an_occurrence}"),  # a Tuesday of a Monday class
        global_id("Session", created["_id"]) + "=",  # padded: not the canonical spelling
        "A" * 5000,
    ]
    for node_id in ids:
        body = await api.post("query($id: ID!) { node(id: $id) { id } }", {"id": node_id})
        assert body == {"data": {"node": None}}, node_id
    body = await api.post(
        "query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Session { _id } } }",
        {"ids": [created["id"], *ids]},
    )
    assert body == {"data": {"nodes": [{"id": created["id"], "_id": created["_id"]}] + [None] * len(ids)}}


async def test_nodes_is_bounded_per_request_across_aliases(api: Api) -> None:
    created = (await api.data(CREATE, {"info": weekly_series_info(scheduleId=SCHEDULE)}))["createSession"]
    query = "query($a: [ID!]!, $b: [ID!]!) { a: nodes(ids: $a) { id } b: nodes(ids: $b) { id } }"
    allowed = await api.data(query, {"a": [created["id"]] * 60, "b": [created["id"]] * 40})
    assert len(allowed["a"]) == 60 and allowed["b"] == [{"id": created["id"]}] * 40
    body = await api.post(query, {"a": [created["id"]] * 60, "b": [created["id"]] * 41})
    assert body["data"] is None or body["data"].get("b") is None
    assert [(error["path"], error["extensions"]) for error in body["errors"]] == [
        (["b"], {"code": "BAD_USER_INPUT", "field": "ids"})
    ]
