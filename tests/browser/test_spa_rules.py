"""The calendar SPA's rule picker (examples/calendar-spa/src/recurrence.js): each choice gives a rule the
API takes, whose occurrences are the ones the picker names."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from tests.support.api import Api
from tests.support.graphql import CREATE, sessions_query, wall_time
from tests.support.live_server import run_node

NEVER: dict[str, Any] = {"days": [], "lastWeekday": False, "ends": "NEVER", "until": "", "count": None}
OCCURRENCES = sessions_query("start { timestamp }")


def picked(**choice: Any) -> dict[str, Any]:
    return {**NEVER, **choice}


CASES = [
    # (picker state, first start, the dates of its occurrences)
    (
        picked(freq="DAILY", ends="COUNT", count=3),
        date(2030, 1, 8),
        ["2030-01-08", "2030-01-09", "2030-01-10"],
    ),
    (
        picked(freq="WEEKLY", days=["WE", "MO"], ends="UNTIL", until="2030-01-16"),
        date(2030, 1, 7),
        ["2030-01-07", "2030-01-09", "2030-01-14", "2030-01-16"],
    ),
    # The 8th is the 2nd Tuesday of January; the 29th its last.
    (
        picked(freq="MONTHLY", ends="COUNT", count=3),
        date(2030, 1, 8),
        ["2030-01-08", "2030-02-12", "2030-03-12"],
    ),
    (
        picked(freq="MONTHLY", lastWeekday=True, ends="COUNT", count=3),
        date(2030, 1, 29),
        ["2030-01-29", "2030-02-26", "2030-03-26"],
    ),
]


async def test_each_choice_of_the_rule_picker_is_a_rule_the_api_takes(api: Api) -> None:
    requests = [{"repeat": repeat, "start": f"{first.isoformat()}T10:00"} for repeat, first, _ in CASES]
    rules = run_node("spa-recurrence.mjs", json.dumps(requests))

    assert rules[0] == "FREQ=DAILY;COUNT=3"
    assert rules[1] == "FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20300116T235959Z"
    assert rules[2:] == ["FREQ=MONTHLY;BYDAY=2TU;COUNT=3", "FREQ=MONTHLY;BYDAY=-1TU;COUNT=3"]
    for rule, (_, first, expected) in zip(rules, CASES, strict=True):
        info = {
            "scheduleId": f"rules-{first.isoformat()}-{len(expected)}-{rule[:12]}",
            "start": wall_time(first, 10, zone="UTC"),
            "end": wall_time(first, 11, zone="UTC"),
            "recurrence": rule,
        }
        series = (await api.data(CREATE, {"info": info}))["createSession"]
        variables = {
            "filter": {"recurringSessionId": series["_id"]},
            "window": {"from": "2030-01-01T00:00:00Z", "to": "2030-12-31T00:00:00Z"},
            "expand": True,
            "first": 50,
        }
        edges = (await api.data(OCCURRENCES, variables))["sessions"]["edges"]
        assert [edge["node"]["start"]["timestamp"][:10] for edge in edges] == expected, rule
