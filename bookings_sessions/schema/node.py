"""`interface Node { id: ID! }`: the Global Object Identification interface Relay and normalized caches
refetch by. Every type implementing it answers a global id (domain/global_ids.py) in `id`; `node` and
`nodes` (schema/node_query.py) read them back."""

from __future__ import annotations

import strawberry


@strawberry.interface(
    description="An object with a global id: refetch it with `node(id:)`. Ids are opaque and unique across "
    "every type."
)
class Node:
    id: strawberry.ID = strawberry.field(description="The global id (not a session's `_id`).")
