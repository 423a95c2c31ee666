"""Two server processes on one store (docs/operations.md, "Scaling out"; docs/design.md §9).

Both processes serve the same database on the same FerretDB: one of them holds the sequencer lease,
both write, and each follows the change log for its own subscribers.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from bookings_sessions.domain.recurrence import instance_id
from bookings_sessions.storage.ferretdb import EmbeddedFerretDB
from tests.support.graphql import (
    CREATE,
    INSTANCE_DAY,
    UPDATE,
    changes_query,
    session_query,
    single_session_info,
    update_mutation,
    weekly_series_info,
)
from tests.support.live_server import LiveServer, servers_sharing
from tests.support.tokens import Tokens
from tests.support.websocket import open_connection, receive, subscribe_and_wait_until_live

CHANGES = changes_query("sessionId revision kind")
WRITERS_PER_PROCESS = 3
UPDATES_PER_SESSION = 8
WAIT_SECONDS = 60.0


@pytest.fixture(scope="module")
def two_servers(
    ferretdb: EmbeddedFerretDB, tmp_path_factory: pytest.TempPathFactory, tokens: Tokens
) -> Iterator[list[LiveServer]]:
    database = f"shared_{uuid.uuid4().hex[:12]}"
    base: Path = tmp_path_factory.mktemp("scale-out")
    with servers_sharing(ferretdb.uri, base, tokens, MONGODB_DATABASE=database) as servers:
        yield servers


async def post(client: httpx.AsyncClient, server: LiveServer, query: str, variables: dict[str, Any]) -> Any:
    response = await client.post(
        server.graphql_url,
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {server.tokens.admin}"},
    )
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


async def changes_page(client: httpx.AsyncClient, server: LiveServer, after: str | None) -> Any:
    """Up to 50 changes from the log after the cursor `after` (from the oldest retained without one)."""
    return (await post(client, server, CHANGES, {"after": after, "first": 50}))["changes"]


async def test_a_subscriber_on_one_process_sees_writes_made_through_the_other(
    two_servers: list[LiveServer],
) -> None:
    writer, reader = two_servers
    schedule = f"schedule-{uuid.uuid4().hex[:8]}"
    socket = await open_connection(reader, reader.tokens.staff)
    try:
        assert (await receive(socket))["type"] == "connection_ack"
        # Probes are written through the *other* process: the first one received proves the path.
        await subscribe_and_wait_until_live(socket, writer, schedule)
        async with httpx.AsyncClient(timeout=10) as client:
            created = (
                await post(client, writer, CREATE, {"info": single_session_info(scheduleId=schedule)})
            )["createSession"]
            first = await receive(socket, wait=10)
            await post(client, writer, UPDATE, {"id": created["_id"], "info": {"notes": "from A"}})
            second = await receive(socket, wait=10)

        sessions = [message["payload"]["data"]["sessionUpdated"] for message in (first, second)]
        assert [(s["_id"], s["revision"]) for s in sessions] == [(created["_id"], 1), (created["_id"], 2)]
        assert sessions[1]["notes"] == "from A"
    finally:
        await socket.close()


async def write_a_session(client: httpx.AsyncClient, server: LiveServer, tag: str) -> tuple[str, list[int]]:
    """Creates a session through `server` and updates it; its id and every revision the writes got."""
    created = (await post(client, server, CREATE, {"info": single_session_info(notes=tag)}))["createSession"]
    revisions = [created["revision"]]
    for number in range(UPDATES_PER_SESSION):
        info = {"notes": f"{tag} {number}"}
        revisions.append(
            (await post(client, server, UPDATE, {"id": created["_id"], "info": info}))["updateSession"][
                "revision"
            ]
        )
    return created["_id"], revisions


async def test_concurrent_writers_on_both_processes_reach_a_consumer_exactly_once_in_order(
    two_servers: list[LiveServer],
) -> None:
    a, b = two_servers
    async with httpx.AsyncClient(timeout=20) as client:
        start = (await changes_page(client, b, None))["pageInfo"]["endCursor"]
        while True:  # the position after everything earlier tests wrote
            page = await changes_page(client, b, start)
            if not page["edges"]:
                break
            start = page["pageInfo"]["endCursor"]

        writers = [
            write_a_session(client, server, f"{name}{number}")
            for name, server in (("a", a), ("b", b))
            for number in range(WRITERS_PER_PROCESS)
        ]
        consumer_seen: list[tuple[str, int]] = []

        async def consume(expected: int) -> None:
            cursor = start
            deadline = time.monotonic() + WAIT_SECONDS
            while len(consumer_seen) < expected:
                assert time.monotonic() < deadline, f"{len(consumer_seen)} of {expected} changes arrived"
                page = await changes_page(client, b, cursor)
                consumer_seen.extend((e["node"]["sessionId"], e["node"]["revision"]) for e in page["edges"])
                cursor = page["pageInfo"]["endCursor"]
                if not page["edges"]:
                    await asyncio.sleep(0.05)

        expected_count = 2 * WRITERS_PER_PROCESS * (UPDATES_PER_SESSION + 1)
        results, _ = await asyncio.gather(asyncio.gather(*writers), consume(expected_count))

    written = {(session_id, revision) for session_id, revisions in results for revision in revisions}
    assert len(written) == expected_count  # every write got its own revision
    assert len(consumer_seen) == len(set(consumer_seen)), "a change was delivered twice"
    assert set(consumer_seen) == written
    by_session: dict[str, list[int]] = defaultdict(list)
    for session_id, revision in consumer_seen:
        by_session[session_id].append(revision)
    assert all(revisions == sorted(revisions) for revisions in by_session.values()), by_session


CAPACITY_PAIRS = 20
CAPACITY_FIELDS = "_id remainingCapacity"


async def answer(
    client: httpx.AsyncClient,
    server: LiveServer,
    session_id: str,
    info: dict[str, Any],
    scope: str | None = None,
) -> Any:
    """The whole body of an update through `server` (errors included)."""
    variables = {"id": session_id, "info": info, "options": {"scope": scope} if scope else None}
    response = await client.post(
        server.graphql_url,
        json={"query": update_mutation(CAPACITY_FIELDS), "variables": variables},
        headers={"Authorization": f"Bearer {server.tokens.admin}"},
    )
    return response.json()


async def test_a_capacity_cut_on_one_process_racing_a_booking_on_the_other_never_overbooks(
    two_servers: list[LiveServer],
) -> None:
    """Issue 26, 4 across processes: the cut writes the series, the booking the occurrence's exception;
    whichever lands second must see the first and be refused, whichever process took it."""
    a, b = two_servers
    async with httpx.AsyncClient(timeout=60) as client:
        created = await asyncio.gather(
            *(
                post(client, a, CREATE, {"info": weekly_series_info(capacity=10, scheduleId=f"seats-{n}")})
                for n in range(CAPACITY_PAIRS)
            )
        )
        series_ids = [body["createSession"]["_id"] for body in created]
        occurrences = [instance_id(series_id, INSTANCE_DAY) for series_id in series_ids]
        booking = {"participants": [{"name": "a party", "partySize": 8}]}
        answers = await asyncio.gather(
            *(
                pair
                for series_id, occurrence in zip(series_ids, occurrences, strict=True)
                for pair in (
                    answer(client, a, series_id, {"capacity": 2}),
                    answer(client, b, occurrence, booking),
                )
            )
        )
        shown = await asyncio.gather(
            *(post(client, b, session_query(CAPACITY_FIELDS), {"id": o}) for o in occurrences)
        )
    remaining = [found["session"]["remainingCapacity"] for found in shown]
    assert min(remaining) >= 0, remaining
    refusals = [
        [body["errors"][0]["extensions"]["code"] for body in (cut, booked) if body.get("errors")]
        for cut, booked in zip(answers[::2], answers[1::2], strict=True)
    ]
    assert refusals == [["BAD_USER_INPUT"]] * CAPACITY_PAIRS, refusals


async def test_a_split_on_one_process_racing_a_booking_on_the_other_neither_overbooks_nor_drops_it(
    two_servers: list[LiveServer],
) -> None:
    """A split moves the exceptions it takes to its new series: a booking landing in between would be
    left behind on the old series (acknowledged, then gone) or overbook the new one's capacity."""
    a, b = two_servers
    later = INSTANCE_DAY + timedelta(days=7)
    async with httpx.AsyncClient(timeout=60) as client:
        created = await asyncio.gather(
            *(
                post(client, a, CREATE, {"info": weekly_series_info(capacity=10, scheduleId=f"split-{n}")})
                for n in range(CAPACITY_PAIRS)
            )
        )
        series_ids = [body["createSession"]["_id"] for body in created]
        booking = {"participants": [{"name": "a party", "partySize": 8}]}
        split = {"capacity": 2}
        answers = await asyncio.gather(
            *(
                pair
                for series_id in series_ids
                for pair in (
                    answer(client, a, instance_id(series_id, INSTANCE_DAY), split, "THIS_AND_FOLLOWING"),
                    answer(client, b, instance_id(series_id, later), booking),
                )
            )
        )
    outcomes = [
        [body["errors"][0]["extensions"]["code"] if body.get("errors") else "OK" for body in pair]
        for pair in zip(answers[::2], answers[1::2], strict=True)
    ]
    # The booking first: the split takes it and is refused. The split first: the booked date is no
    # longer the old series' occurrence.
    assert all(found in (["BAD_USER_INPUT", "OK"], ["OK", "NOT_FOUND"]) for found in outcomes), outcomes
