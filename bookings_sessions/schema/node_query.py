"""`node(id:)` and `nodes(ids:)`: any `Node` by its global id, as its own query would answer it.

An id that does not parse, names another type, or names nothing answers `null`, never an error: the
answer must not tell a malformed id from one that names nothing. A session is read through the
request's DataLoader, so every id of one request is one database round trip (as `_entities`).
"""

from __future__ import annotations

import asyncio
from typing import Any

import strawberry
from strawberry.types import Info

from ..domain.global_ids import MAX_NODES_PER_REQUEST, check_node_count, parse_global_id
from .node import Node
from .types import SESSION_TYPE, Session


async def _resolved(info: Info[Any, Any], node_id: str) -> Node | None:
    parsed = parse_global_id(node_id)
    if parsed is None or parsed[0] != SESSION_TYPE:
        return None
    found = await info.context.session_loader.load(parsed[1])
    return None if found is None else Session.from_domain(found)


@strawberry.type
class NodeQuery:
    @strawberry.field(
        description="Any object with a global id (`Node`), as its own query answers it (`Session`: as "
        "`session`, the same field guards); null when the id names nothing or is not one."
    )
    async def node(self, info: Info[Any, Any], id: strawberry.ID) -> Node | None:
        return await _resolved(info, str(id))

    @strawberry.field(
        description=f"`node` for each id, in order. At most {MAX_NODES_PER_REQUEST} ids per request, "
        "counted across every `nodes` field; more is BAD_USER_INPUT naming `ids`."
    )
    async def nodes(self, info: Info[Any, Any], ids: list[strawberry.ID]) -> list[Node | None]:
        check_node_count(len(ids), info.context.node_ids)
        info.context.node_ids += len(ids)
        # Together, so the DataLoader batches them into one read.
        return list(await asyncio.gather(*(_resolved(info, str(node_id)) for node_id in ids)))
