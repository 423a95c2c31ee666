"""Federation entity resolution: many `Session` references, one database round trip per request tick."""

from __future__ import annotations

from typing import Any

from strawberry.types import Info

from .mapping import session_out
from .sessions import load_many


async def resolve_session_reference(info: Info[Any, Any], representation: dict[str, Any]) -> Any:
    session_id = str(representation.get("_id", ""))
    found = await info.context.session_loader.load(session_id)
    return None if found is None else session_out(found)


__all__ = ["load_many", "resolve_session_reference"]
