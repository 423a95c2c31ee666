"""`make bench`'s calendar feed rows do what they say: their seed, both requests, and the GET load.

Not a timing test: against a real server process it checks that the seed is the busy schedule the row
names (four classes in two zones with moved, resized and cancelled occurrences, a one-off every week),
that the baseline listing reads the schedule's year in one page, that the feed says the same year, and
that the load generator sends the feed's GET (the python fallback, briefly).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest

from bench import calendar_feed, load, scenarios
from tests.support.calendar_feeds import expanded
from tests.support.live_server import LiveServer


def test_the_calendar_feed_rows_seed_and_requests(
    live_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = urlsplit(live_server.url).port
    assert port is not None
    today = datetime.now(UTC).date()
    url = calendar_feed.seed(port, live_server.tokens.admin, today)

    asked = json.loads(calendar_feed.listing_body(today))
    body = live_server.post(asked["query"], asked["variables"], live_server.tokens.staff)
    listed = body["data"]["sessions"]
    assert not listed["pageInfo"]["hasNextPage"]
    nodes = [edge["node"] for edge in listed["edges"]]
    assert len(nodes) > 400
    assert {node["status"] for node in nodes} == {"CONFIRMED", "CANCELLED"}

    assert scenarios.check_get(port, url)["bytes"] > 10_000
    _, ics = scenarios.request(port, "GET", url)
    window = calendar_feed.listing_window(today)
    start, end = (datetime.fromisoformat(window[edge]) for edge in ("from", "to"))
    from_feed = expanded(ics, start, end)
    shown = [node for node in nodes if node["status"] != "CANCELLED"]
    assert len(from_feed) == len(shown)
    assert {row[2] for row in from_feed} == {node["title"] for node in shown}

    monkeypatch.setenv("BENCH_GENERATOR", "python")
    result = load.http(load.Load(port, "", path=url, method="GET"), connections=2, duration=0.5)
    assert result.requests > 0 and result.errors == 0 and result.non2xx == 0
