"""The examples in README.md and docs/, run against the real app and database so they cannot rot.

- docs/api.md, section Examples: query/variables pairs, run in order (ids flow from one to the next);
- docs/api.md, section Errors: the error answer shown is the one an update gets;
- every other ```graphql block of the docs: run as it stands, with an admin token;
- README.md's curl commands: their `-d` bodies, with a token of the role the README mints;
- docs/notifications.md's signature check: against the signature the dispatcher sends.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from bookings_sessions.domain.notifications import Notification, NotificationKind
from bookings_sessions.domain.values import Participant
from bookings_sessions.notifications.webhook import signature, webhook_body
from tests.support.api import Api
from tests.support.docs import API_DOC, FENCED
from tests.support.graphql import UPDATE
from tests.support.paths import DOCS, README

BLOCK = re.compile(r"```(graphql|json)\n(.*?)```", re.DOTALL)


def api_section(heading: str) -> str:
    return API_DOC.read_text().split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]


def api_examples_section() -> str:
    return api_section("Examples")


def examples() -> list[tuple[str, str]]:
    blocks = BLOCK.findall(api_examples_section())
    assert [kind for kind, _ in blocks] == ["graphql", "json"] * (len(blocks) // 2), "query/variables pairs"
    return [(blocks[i][1], blocks[i + 1][1]) for i in range(0, len(blocks), 2)]


def fenced_blocks(language: str) -> list[tuple[str, str]]:
    """(file name, block) for every block in that language outside api.md's Examples section."""
    found: list[tuple[str, str]] = []
    for path in DOCS:
        text = path.read_text()
        if path == API_DOC:
            text = text.replace(api_examples_section(), "")
        found += [(path.name, body) for kind, body in FENCED.findall(text) if kind == language]
    return found


async def test_api_examples_run_as_documented(api: Api) -> None:
    ids: dict[str, str] = {}
    results: list[dict[str, Any]] = []
    for query, variables_text in examples():
        for name, value in ids.items():
            variables_text = variables_text.replace(f'"{name}"', json.dumps(value))
        data = await api.data(query, json.loads(variables_text))
        results.append(data)
        if "createSession" in data:
            key = "SERIES_ID" if data["createSession"].get("recurrence") else "SINGLE_ID"
            ids[key] = data["createSession"]["_id"]
        if "sessions" in data:
            for edge in data["sessions"]["edges"]:
                node = edge["node"]
                if node["recurringSessionId"] and node["start"]["localDateTime"]["dayOfMonth"] == 9:
                    ids["INSTANCE_ID"] = node["_id"]

    create_single, update_single, create_series, week, update_series, update_instance, delete = results
    assert update_single["updateSession"]["notes"] == "An updated note"
    assert update_single["updateSession"]["tags"] == ["INDIVIDUAL"]
    assert create_series["createSession"]["recurrence"] == "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,WE"
    days = [edge["node"]["start"]["localDateTime"]["dayOfMonth"] for edge in week["sessions"]["edges"]]
    assert days == [7, 8, 9]  # Monday and Wednesday instances around the single session
    assert update_series["updateSession"]["start"]["localDateTime"] == {"hourOfDay": 17, "minutesOfHour": 30}
    instance = update_instance["updateSession"]
    assert instance["recurringSessionId"] == ids["SERIES_ID"]
    assert instance["start"]["localDateTime"] == {"hourOfDay": 17, "minutesOfHour": 30}
    assert instance["end"]["localDateTime"] == {"hourOfDay": 19, "minutesOfHour": 15}
    assert delete["deleteSession"]["status"] == "CANCELLED"
    assert create_single["createSession"]["start"]["timeZone"] == "Europe/Paris"


async def test_every_other_graphql_block_runs(api: Api) -> None:
    blocks = fenced_blocks("graphql")
    assert "notifications.md" in {name for name, _ in blocks}
    for name, query in blocks:
        body = await api.post(query, token=api.tokens.admin)
        assert "errors" not in body, (name, query, body)


async def test_the_readme_first_query_answers_as_described(api: Api) -> None:
    commands = [body for kind, body in FENCED.findall(README.read_text()) if kind == "sh" and "curl " in body]
    minted = re.search(r"bookings-sessions token((?: --role \w+)+)", README.read_text())
    assert minted is not None, "the README mints a token"
    token = api.tokens.make(*minted.group(1).split()[1::2])
    answers: list[dict[str, Any]] = []
    for command in commands:
        sent = re.search(r"-d '(.*?)'", command, re.DOTALL)
        assert sent is not None, command
        payload = sent.group(1)
        if answers:
            payload = payload.replace("<the _id>", answers[0]["data"]["createSession"]["_id"])
        request = json.loads(payload)
        sent_token = token if "Bearer $TOKEN" in command else None
        answers.append(await api.post(request["query"], request.get("variables"), sent_token))

    created, read = answers
    assert "errors" not in created, created
    session = created["data"]["createSession"]
    assert session["revision"] == 1
    assert session["start"]["timeZone"] == "Europe/London"
    assert session["start"]["timestamp"].startswith("2030-01-07T09:00:00")
    assert read["data"]["session"]["_id"] == session["_id"]
    assert read["data"]["session"]["notes"] is None
    assert [(error["path"], error["extensions"]["code"]) for error in read["errors"]] == [
        (["session", "notes"], "FORBIDDEN")
    ]


def test_the_documented_signature_check_accepts_what_the_dispatcher_signs() -> None:
    (source,) = [body for name, body in fenced_blocks("python") if name == "notifications.md"]
    namespace: dict[str, Any] = {}
    exec(source, namespace)  # our own documentation's example, run as a receiver would run it
    is_genuine = namespace["is_genuine"]
    notification = Notification(
        id="3f0c6d5e0e8a4d2f9a1b7c4e5d6f7a8b",
        session_id="s-1",
        kind=NotificationKind.UPDATED,
        message="Moved to room 2",
        recipients=(Participant(id="p-1", name="Alice", email="alice@example.com", party_size=2),),
        created_date=datetime(2026, 3, 1, 12, tzinfo=UTC),
    )
    body, secret = webhook_body(notification), "a-webhook-secret"
    assert is_genuine(body, signature(body, secret), secret)
    assert not is_genuine(body + b" ", signature(body, secret), secret)
    assert not is_genuine(body, signature(body, "another-secret"), secret)


async def test_the_documented_error_answer_is_what_an_update_gets(api: Api) -> None:
    blocks = FENCED.findall(api_section("Errors"))
    (documented,) = [json.loads(body) for kind, body in blocks if kind == "json"]
    created = await api.create_single()  # 15:00 to 16:00 UTC
    end_before_start = {"end": {"timestamp": "2020-12-30T14:00:00Z"}}
    body = await api.post(UPDATE, {"id": created["_id"], "info": end_before_start}, api.tokens.admin)
    for error in body.get("errors", []):
        error.pop("locations", None)  # where in the query: not what the example is about
    assert body == documented


async def test_the_finding_free_time_example_answers_as_documented(api: Api) -> None:
    blocks = FENCED.findall(api_section("Finding free time"))
    queries = [body for kind, body in blocks if kind == "graphql"]
    (documented,) = [json.loads(body) for kind, body in blocks if kind == "json"]
    answers = [await api.data(query) for query in queries]
    assert answers[-1] == documented
