"""The reference's own example: a SERVICE caller updates notes with suppressAuth."""

from __future__ import annotations

from .conftest import ADMIN, SERVICE, Api
from .queries import CREATE, UPDATE, single_session_info


async def test_service_with_suppress_auth_updates_notes_and_nothing_else(api: Api) -> None:
    created = (await api.data(CREATE, {"info": single_session_info()}, token=ADMIN))["createSession"]

    updated = (
        await api.data(
            UPDATE,
            {"id": created["_id"], "info": {"notes": "An updated note"}, "options": {"suppressAuth": True}},
            token=SERVICE,
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
