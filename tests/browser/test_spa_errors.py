"""The calendar SPA's sentence for a server error (examples/calendar-spa/src/errors.js), run in Node."""

from __future__ import annotations

import json

from bookings_sessions.domain.recurrence import instance_id
from tests.support.api import Api
from tests.support.graphql import INSTANCE_DAY, UPDATE
from tests.support.live_server import run_node


async def test_a_refused_field_is_named_once(api: Api) -> None:
    """Issue 21: the page showed `sessionInfo.notes: sessionInfo.notes: …` (the server's message already
    starts with the field)."""
    occurrence = instance_id((await api.create_series())["_id"], INSTANCE_DAY)
    error = await api.error(UPDATE, {"id": occurrence, "info": {"notes": "x"}})

    [sentence] = run_node("spa-errors.mjs", json.dumps([error]))

    assert sentence == error["message"]
    assert sentence.count("sessionInfo.notes") == 1, sentence
