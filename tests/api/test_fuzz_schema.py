"""Schema-driven fuzzing (issue 13, item 8): documents generated from the live schema by hypothesis-graphql
— valid ones and ones with one schema violation — sent by an admin, a staff member and an anonymous
visitor to the real ASGI app on FerretDB. No answer may be an HTTP 5xx or carry `INTERNAL`.

`make test` runs a fixed, bounded sample (FUZZ_EXAMPLES per caller and mode, derandomized); `make fuzz`
runs ≥ 10,000 random operations and prints the answers counted by status and code.
"""

from __future__ import annotations

import os
import string
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import graphql
import httpx
import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, from_schema

from bookings_sessions.storage.ferretdb import EmbeddedFerretDB
from tests.support.api import Api, app_settings, serving
from tests.support.tokens import Tokens

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "40"))
RANDOM = os.environ.get("FUZZ_RANDOM") == "1"  # `make fuzz`: new documents every run
# Each caller's token, minted per request: a `make fuzz` run outlasts a token's ten minutes.
CALLERS: dict[str, Callable[[Tokens], str | None]] = {
    "admin": lambda tokens: tokens.admin,
    "staff": lambda tokens: tokens.staff,
    "anonymous": lambda tokens: None,
}


def string_node(value: str) -> graphql.StringValueNode:
    return graphql.StringValueNode(value=value)


def _offset(minutes: int) -> timezone:
    return timezone(timedelta(minutes=minutes))


# DateTime literals: mostly plausible calendar times, then instants across datetime's whole range with
# offsets up to ±14 h, and some junk text (the schema's DateTime refuses it: BAD_USER_INPUT).
DATE_TIMES = st.one_of(
    st.datetimes(datetime(2020, 1, 1), datetime(2035, 12, 31), timezones=st.just(UTC)).map(
        datetime.isoformat
    ),
    st.builds(
        lambda moment, minutes: moment.replace(tzinfo=_offset(minutes)).isoformat(),
        st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59)),
        st.integers(min_value=-14 * 60, max_value=14 * 60),
    ),
    # The edges of datetime's range, where offsets and slack overflow (issue 13: year 1, 9999, < 1000).
    st.sampled_from(
        [
            "0001-01-01T00:00:00+05:00",
            "0001-01-02T00:00:00Z",
            "0999-01-04T09:00:00Z",
            "9999-06-01T00:00:00Z",
            "9999-12-31T23:00:00-05:00",
            "9999-12-31T00:00:00Z",
        ]
    ),
    st.text(string.printable, max_size=30),
).map(string_node)


def _representation(typename: str, session_id: str) -> graphql.ObjectValueNode:
    fields = [
        graphql.ObjectFieldNode(name=graphql.NameNode(value="__typename"), value=string_node(typename)),
        graphql.ObjectFieldNode(name=graphql.NameNode(value="_id"), value=string_node(session_id)),
    ]
    return graphql.ObjectValueNode(fields=tuple(fields))


# Federation `_Any` representations: mostly sessions (by plausible and random ids), some other types.
ANY = st.one_of(
    st.builds(
        _representation, st.sampled_from(["Session", "Session", "Query", "Nope", ""]), st.text(max_size=40)
    ),
    st.text(max_size=20).map(string_node),
)


class Tally:
    """Answers counted by (HTTP status, first error code or OK)."""

    def __init__(self) -> None:
        self.counts: Counter[tuple[int, str]] = Counter()

    def record(self, caller: str, query: str, status: int, body: Any) -> str | None:
        """The failure, described, if this answer is a server fault."""
        errors = body.get("errors") if isinstance(body, dict) else None
        codes = [
            (error.get("extensions") or {}).get("code", "NO_CODE")
            for error in errors or ()
            if isinstance(error, dict)
        ]
        self.counts[(status, codes[0] if codes else "OK")] += 1
        if status >= 500 or "INTERNAL" in codes or "NO_CODE" in codes:
            return f"{caller} got {status} {codes}:\n{query[:2000]}\n{str(body)[:1000]}"
        return None

    def report(self) -> str:
        lines = [f"{sum(self.counts.values())} operations"]
        lines += [f"  {status} {code}: {count}" for (status, code), count in sorted(self.counts.items())]
        return "\n".join(lines)


@pytest.fixture(scope="module")
def tally() -> Iterator[Tally]:
    counted = Tally()
    yield counted
    print("\nfuzzing:", counted.report())


@dataclass
class Server:
    """The app on an event loop of its own, so hypothesis' synchronous test can call it through a portal."""

    api: Api
    portal: BlockingPortal

    def post(self, query: str, caller: str) -> httpx.Response:
        token = CALLERS[caller](self.api.tokens)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return self.portal.call(
            lambda: self.api.client.post("/graphql", json={"query": query}, headers=headers)
        )


@pytest.fixture(scope="module")
def server(
    ferretdb: EmbeddedFerretDB, tmp_path_factory: pytest.TempPathFactory, tokens: Tokens
) -> Iterator[Server]:
    # One app for the module (hypothesis calls the test many times, and what the admin's documents
    # create, the other callers' read); its own database, dropped after.
    database = f"fuzz_{uuid.uuid4().hex[:12]}"
    settings = app_settings(ferretdb.uri, database, tmp_path_factory.mktemp("fuzz"), tokens)
    with (
        start_blocking_portal() as portal,
        portal.wrap_async_context_manager(serving(settings, tokens)) as api,
    ):
        yield Server(api, portal)
        portal.call(api.app.state.runtime.client.drop_database, database)


def documents(server: Server, mode: Mode) -> st.SearchStrategy[str]:
    schema = server.api.app.state.schema._schema
    strategy: st.SearchStrategy[str] = from_schema(
        schema, custom_scalars={"DateTime": DATE_TIMES, "_Any": ANY}, mode=mode
    )
    return strategy


def fuzz_settings() -> settings:
    return settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=not RANDOM,
        database=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
    )


@pytest.mark.parametrize("mode", [Mode.POSITIVE, Mode.NEGATIVE], ids=["valid", "invalid"])
@pytest.mark.parametrize("caller", list(CALLERS))
def test_no_generated_document_is_answered_as_a_server_fault(
    server: Server, tally: Tally, caller: str, mode: Mode
) -> None:
    @fuzz_settings()
    @given(query=documents(server, mode))
    def send(query: str) -> None:
        response = server.post(query, caller)
        body = (
            response.json() if response.headers.get("content-type", "").startswith("application/") else None
        )
        failure = tally.record(caller, query, response.status_code, body)
        assert failure is None, failure  # hypothesis then shrinks the document to a minimal one

    send()
