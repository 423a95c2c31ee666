from __future__ import annotations

from .conftest import Api
from .queries import CREATE
from .test_series_smoke import local

LIST = """
query List($filter: SessionFilterInput, $window: TimeWindow, $expand: Boolean!, $first: Int, $after: String) {
  sessions(filter: $filter, window: $window, expandInstances: $expand, first: $first, after: $after) {
    edges { cursor node { _id start { timestamp } recurringSessionId } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


async def test_listing_smoke(api: Api) -> None:
    info = {"scheduleId": "s", "recurrence": "FREQ=WEEKLY;BYDAY=MO,WE", "start": local(2030, 1, 7, 10),
            "end": local(2030, 1, 7, 11)}
    await api.data(CREATE, {"info": info})
    window = {"from": "2030-01-01T00:00:00Z", "to": "2030-02-01T00:00:00Z"}
    seen = []
    after = None
    while True:
        page = (await api.data(LIST, {"window": window, "expand": True, "first": 3, "after": after}))["sessions"]
        seen += [edge["node"]["start"]["timestamp"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == 8, seen
