"""Sub-selections collected once per document, not once per request (the executor's `collect_subfields`),
keyed by the identity of the prepared document's field nodes; docs/performance.md lever 22.
"""

from __future__ import annotations

from collections.abc import Callable

from cachetools import LRUCache
from graphql import FieldNode, GraphQLObjectType, OperationDefinitionNode
from graphql.execution.collect_fields import CollectedFields, FieldDetailsList

# Directives whose effect on a selection may differ from one request to the next (by their variables,
# or by deferring): a document that has any of them is collected per request.
_PER_REQUEST = ("@skip", "@include", "@defer", "@stream")
# One entry per (object type, selection) of the documents in use, keyed by the ids of its field nodes: the
# prepared documents are cached, so their nodes are the same objects from request to request, and an entry
# keeps its nodes alive, so their ids cannot be reused while it lives.
SIZE = 1024

_Key = tuple[str, tuple[int, ...]]
_COLLECTED: LRUCache[_Key, tuple[GraphQLObjectType, tuple[FieldNode, ...], CollectedFields]] = LRUCache(
    maxsize=SIZE
)


def can_share(operation: OperationDefinitionNode) -> bool:
    """Whether the operation's document collects the same way for every request (checked on its text:
    a directive named anywhere, even in a string, makes it per request)."""
    location = operation.loc
    if location is None:
        return False
    text = location.source.body
    return not any(name in text for name in _PER_REQUEST)


def shared(
    return_type: GraphQLObjectType,
    field_details_list: FieldDetailsList,
    collect: Callable[[], CollectedFields],
) -> CollectedFields:
    """The collection of the fields' sub-selections on `return_type`, collected by `collect` once."""
    if any(details.defer_usage or details.fragment_variable_values for details in field_details_list):
        return collect()
    nodes = tuple(details.node for details in field_details_list)
    key = (return_type.name, tuple(map(id, nodes)))
    found = _COLLECTED.get(key)
    if found is not None:
        found_type, found_nodes, collected = found
        if found_type is return_type and all(a is b for a, b in zip(found_nodes, nodes, strict=True)):
            return collected
    collected = collect()
    if not collected.new_defer_usages and not collected.forbidden_directive_instances:
        _COLLECTED[key] = (return_type, nodes, collected)
    return collected
