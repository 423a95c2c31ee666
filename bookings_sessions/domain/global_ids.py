"""Global object ids (the `id` of GraphQL's `Node` interface): one id space across every type.

A global id is the unpadded URL-safe base64 of `<type name>:<the object's own id>` (a session's `_id`,
an instance's `i_…` included), so ids of different types never meet. Only the canonical spelling
parses, so each object has exactly one global id; anything else is "no such object", never an error
(docs/api.md, "Refetching by id").
"""

from __future__ import annotations

from . import unpadded_base64
from .errors import BadUserInput

# Long enough for any id the store hands out (a 32-hex id, an instance id of one); bounds the decode.
MAX_GLOBAL_ID_LENGTH = 200


def global_id(type_name: str, own_id: str) -> str:
    return unpadded_base64.encode(f"{type_name}:{own_id}")


def parse_global_id(text: str) -> tuple[str, str] | None:
    """`(type name, own id)`, or None for anything that is not a canonical global id."""
    decoded = None if len(text) > MAX_GLOBAL_ID_LENGTH else unpadded_base64.decode(text)
    if decoded is None:
        return None
    type_name, separator, own_id = decoded.partition(":")
    if not separator or not type_name or not own_id:
        return None
    if global_id(type_name, own_id) != text:
        return None
    return type_name, own_id


# Ids `nodes` resolves per request, counted across every `nodes` field (aliases do not multiply it).
MAX_NODES_PER_REQUEST = 100


def check_node_count(count: int, earlier: int) -> None:
    if count + earlier > MAX_NODES_PER_REQUEST:
        raise BadUserInput(f"at most {MAX_NODES_PER_REQUEST} ids per request", field="ids")
