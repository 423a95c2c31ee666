"""The reference's own example: a SERVICE caller updates notes with suppressAuth."""

from __future__ import annotations

from tests.support.api import Api
from tests.support.graphql import UPDATE


async def test_service_with_suppress_auth_updates_notes_and_nothing_else(api: Api) -> None:
    created = await api.create_single()

    updated = (
        await api.data(
            UPDATE,
            {"id": created["_id"], "info": {"notes": "An updated note"}, "options": {"suppressAuth": True}},
            token=api.tokens.service,
        )
    )["updateSession"]

    assert updated["notes"] == "An updated note"
    assert updated["revision"] == created["revision"] + 1
    assert updated["updatedDate"] > created["updatedDate"]
    unchanged = {k: v for k, v in created.items() if k not in ("notes", "revision", "updatedDate")}
    assert {k: updated[k] for k in unchanged} == unchanged
    assert updated["start"]["timestamp"].startswith("2020-12-30T15:00:00")
    assert updated["status"] == "CONFIRMED"
    assert updated["tags"] == ["INDIVIDUAL"]
