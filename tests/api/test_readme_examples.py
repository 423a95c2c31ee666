"""The README's Examples section, run in order against the real app and database."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from .conftest import Api

README = Path(__file__).resolve().parents[2] / "README.md"
BLOCK = re.compile(r"```(graphql|json)\n(.*?)```", re.DOTALL)


def examples() -> list[tuple[str, str]]:
    text = README.read_text()
    section = text.split("\n## Examples\n", 1)[1].split("\n## ", 1)[0]
    blocks = BLOCK.findall(section)
    assert [kind for kind, _ in blocks] == ["graphql", "json"] * (len(blocks) // 2), "query/variables pairs"
    return [(blocks[i][1], blocks[i + 1][1]) for i in range(0, len(blocks), 2)]


async def test_readme_examples_run_as_documented(api: Api) -> None:
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
