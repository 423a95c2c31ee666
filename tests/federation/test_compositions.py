"""The live subgraph composes with a second subgraph that extends `Session`, under both composition
libraries in use: Apollo's (Apollo Gateway, Router) and The Guild's (Hive Gateway, GraphQL Mesh)."""

from __future__ import annotations

import re

import pytest

from tests.support.live_server import LiveServer, run_node

# The Federation 2 version that introduced each directive a subgraph may import
# (https://www.apollographql.com/docs/graphos/reference/federation/versions).
DIRECTIVE_SINCE = {
    "@key": (2, 0),
    "@shareable": (2, 0),
    "@external": (2, 0),
    "@requires": (2, 0),
    "@provides": (2, 0),
    "@extends": (2, 0),
    "@inaccessible": (2, 0),
    "@override": (2, 0),
    "@tag": (2, 0),
    "@composeDirective": (2, 1),
    "@interfaceObject": (2, 3),
    "@authenticated": (2, 5),
    "@requiresScopes": (2, 5),
    "@policy": (2, 6),
    "@context": (2, 8),
    "@fromContext": (2, 8),
    "@cost": (2, 9),
    "@listSize": (2, 9),
}

FEDERATION_LINK = re.compile(
    r'@link\(url: "https://specs\.apollo\.dev/federation/v(\d+)\.(\d+)", import: \[([^\]]*)\]\)'
)


def test_the_subgraph_links_the_lowest_federation_version_it_needs(live_server: LiveServer) -> None:
    sdl = live_server.data("{ _service { sdl } }", token=None)["_service"]["sdl"]

    link = FEDERATION_LINK.search(sdl)
    assert link, sdl[:500]
    imported = re.findall(r'"(@\w+)"', link.group(3))
    assert imported and set(imported) <= DIRECTIVE_SINCE.keys(), imported
    linked = (int(link.group(1)), int(link.group(2)))
    assert linked == max(DIRECTIVE_SINCE[name] for name in imported), (linked, imported)


@pytest.mark.parametrize("composer", ["apollo", "guild"])
def test_composes_with_a_subgraph_that_extends_session(live_server: LiveServer, composer: str) -> None:
    report = run_node("compose.mjs", composer, live_server.graphql_url)

    assert report["errors"] == [], report["errors"]
    supergraph = report["supergraphSdl"]
    # Session is an entity of both subgraphs; `room` is resolved by the rooms subgraph only.
    session = re.search(r"type Session\b[^{]*\{(.*?)\n\}", supergraph, re.S)
    assert session, supergraph
    assert 'join__type(graph: SESSIONS, key: "_id")' in session.group(0)
    assert 'join__type(graph: ROOMS, key: "_id")' in session.group(0)
    assert re.search(r"room: String! @join__field\(graph: ROOMS\)", session.group(1)), session.group(0)
    assert re.search(r"notes: String @join__field\(graph: SESSIONS\)", session.group(1)), session.group(0)
