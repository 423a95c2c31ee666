"""`make bench`'s availability rows ask what they say: their seed and both requests, through the real app.

Not a timing test: it checks that the seed is the studio the row names (working hours, classes blocking
coaches with buffers, one-off sessions), that the baseline listing reads every session of the coaches in
one page, and that `availability` answers busy time from all of it.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from bench.availability import COACHES, availability_body, listing_body, seed_infos
from tests.support.api import Api
from tests.support.graphql import CREATE


async def test_the_availability_rows_seed_and_requests(api: Api) -> None:
    for info in seed_infos():
        await api.data(CREATE, {"info": info})
    listing = json.loads(listing_body())
    listed = (await api.data(listing["query"], listing["variables"], api.tokens.staff))["sessions"]
    assert not listed["pageInfo"]["hasNextPage"]
    types = {edge["node"]["type"] for edge in listed["edges"]}
    assert types == {"WORKING_HOURS", "EVENT"}
    asked = json.loads(availability_body())
    found = (await api.data(asked["query"], asked["variables"], api.tokens.staff))["availability"]
    assert [item["scheduleId"] for item in found] == list(COACHES)
    for item in found:
        lengths = {
            datetime.fromisoformat(busy["end"]) - datetime.fromisoformat(busy["start"])
            for busy in item["busy"]
        }
        # Classes (1 h + a 15-minute buffer) from rooms, one-off sessions (45 min + 10) of the coach.
        assert {timedelta(minutes=75), timedelta(minutes=55)} <= lengths, item["scheduleId"]
        assert any(
            len(busy["sessionIds"]) == 1 and busy["sessionIds"][0].startswith("i_") for busy in item["busy"]
        )
        assert item["free"] and item["slots"]
