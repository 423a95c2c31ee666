"""An instance's revision moves whenever what it answers moves (issue 21, item 6): a series edit that
changes what an exception shows raises the exception's revision too, `expectedRevision` checks that
revision, and the change log numbers the instance's events with the revisions it answered."""

from __future__ import annotations

from typing import Any

from bookings_sessions.domain.recurrence import instance_id
from tests.api.test_changes import follow
from tests.support.api import Api
from tests.support.graphql import INSTANCE_DAY, UPDATE, session_query

READ = session_query("_id revision title tags")


async def edit(
    api: Api, session_id: str, info: dict[str, Any], expected: int | None = None
) -> dict[str, Any]:
    options = None if expected is None else {"expectedRevision": expected}
    updated: dict[str, Any] = (await api.data(UPDATE, {"id": session_id, "info": info, "options": options}))[
        "updateSession"
    ]
    return updated


async def test_a_series_edit_moves_the_revision_of_an_exception_it_changes(api: Api) -> None:
    series = await api.create_series()
    occurrence = instance_id(series["_id"], INSTANCE_DAY)
    own = await edit(api, occurrence, {"title": "Own title"})
    assert own["revision"] == 2

    await edit(api, series["_id"], {"tags": ["Z"]})
    shown = await api.session(occurrence, READ)
    assert (shown["title"], shown["tags"]) == ("Own title", ["Z"])
    assert shown["revision"] > 2  # it answers something new

    stale = await api.error(
        UPDATE, {"id": occurrence, "info": {"title": "From a stale form"}, "options": {"expectedRevision": 2}}
    )
    assert stale["extensions"]["code"] == "CONFLICT"
    assert stale["extensions"]["currentRevision"] == shown["revision"]
    assert (await api.session(occurrence, READ))["title"] == "Own title"  # nothing written

    fresh = await edit(api, occurrence, {"title": "Fresh"}, expected=shown["revision"])
    assert fresh["revision"] == shown["revision"] + 1


async def test_an_instance_revision_never_goes_back(api: Api) -> None:
    series = await api.create_series()
    occurrence = instance_id(series["_id"], INSTANCE_DAY)
    seen = [(await api.session(occurrence, READ))["revision"]]
    for target, info in [
        (series["_id"], {"tags": ["A"]}),
        (occurrence, {"title": "Own"}),
        (series["_id"], {"tags": ["B"]}),
        (series["_id"], {"tags": ["C"]}),
        (occurrence, {"tags": ["OWN"]}),
        (occurrence, {"tags": None}),  # follows the series again
        (series["_id"], {"tags": ["D"]}),
    ]:
        await edit(api, target, info)
        seen.append((await api.session(occurrence, READ))["revision"])
    assert seen == sorted(set(seen)), seen  # strictly increasing


async def test_the_change_log_numbers_instance_events_with_the_revision_it_answered(api: Api) -> None:
    series = await api.create_series()
    sid = series["_id"]
    occurrence = instance_id(sid, INSTANCE_DAY)
    _, cursor = await follow(api, 1)
    answered: list[tuple[str, int]] = []
    # Each event is numbered before the next write, so the log holds every revision as it was written.
    for target, info in [
        (occurrence, {"title": "Own"}),
        (sid, {"tags": ["Z"]}),
        (occurrence, {"tags": ["ONE"]}),
        (occurrence, {"tags": ["TWO"]}),
        (sid, {"tags": ["Y"]}),
        (occurrence, {"title": "Again"}),
    ]:
        written = await edit(api, target, info)
        answered.append((target, written["revision"]))
        nodes, cursor = await follow(api, 1, cursor)
        assert [(n["sessionId"], n["revision"]) for n in nodes] == [answered[-1]]
    instance_revisions = [revision for target, revision in answered if target == occurrence]
    assert instance_revisions == sorted(set(instance_revisions))
    assert (await api.session(occurrence, READ))["revision"] == instance_revisions[-1]
