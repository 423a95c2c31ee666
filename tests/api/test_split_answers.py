"""What a split tells (issue 21, mends): its change events say which series and from which date the
occurrences moved, moved exceptions get CREATED events under their new ids, and THIS_AND_FOLLOWING on a
past occurrence answers the occurrence where it actually split."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bookings_sessions.domain.recurrence import instance_id
from tests.api.test_changes import follow, until_marker
from tests.support.api import Api
from tests.support.graphql import CHANGE_FIELDS, SERIES_ZONE, changes_query, update_mutation
from tests.support.scopes import MARCH_5, local, scoped_update, tuesday_class

SPLIT_CHANGES = changes_query(CHANGE_FIELDS + " splitFrom splitInto splitDate")
ANSWER = update_mutation(
    "_id recurringSessionId originalStart { localDateTime { year monthOfYear dayOfMonth } }"
)


async def test_a_splits_events_say_where_the_occurrences_went(api: Api) -> None:
    series = await tuesday_class(api)
    sid = series["_id"]
    later = date(2030, 3, 19)
    await scoped_update(api, instance_id(sid, later), {"tags": ["SPECIAL"]}, None)
    await scoped_update(api, instance_id(sid, date(2030, 2, 5)), {"tags": ["BEFORE"]}, None)
    _, cursor = await follow(api, 3)

    split = await scoped_update(
        api,
        instance_id(sid, MARCH_5),
        {"start": local(MARCH_5, 18, 30), "end": local(MARCH_5, 19, 30)},
        "THIS_AND_FOLLOWING",
    )
    new_id = split["recurringSessionId"]
    await until_marker(api, cursor)  # everything recorded by the split is numbered by now
    only_class = {"scheduleIds": [series["scheduleId"]]}  # not the marker
    page = (await api.data(SPLIT_CHANGES, {"after": cursor, "first": 100, "filter": only_class}))["changes"]
    nodes = {(n["kind"], n["sessionId"]): n for n in (edge["node"] for edge in page["edges"])}

    ended = nodes[("UPDATED", sid)]
    assert (ended["splitInto"], ended["splitFrom"], ended["splitDate"]) == (new_id, None, "2030-03-05")
    created = nodes[("CREATED", new_id)]
    assert (created["splitFrom"], created["splitInto"], created["splitDate"]) == (sid, None, "2030-03-05")
    # The exception that moved is a new id: its CREATED names the id it had, and it is at revision 1.
    moved = nodes[("CREATED", instance_id(new_id, later))]
    assert (moved["splitFrom"], moved["splitDate"], moved["revision"]) == (
        instance_id(sid, later),
        "2030-03-05",
        1,
    )
    assert moved["session"]["_id"] == instance_id(new_id, later)
    assert moved["revision"] == (await api.session(instance_id(new_id, later)))["revision"]
    # Nothing else: the exception before the split did not move.
    assert len(nodes) == 3, nodes


async def test_following_on_a_past_occurrence_answers_where_it_split(api: Api) -> None:
    today = datetime.now(ZoneInfo(SERIES_ZONE)).date()
    first = today - timedelta(weeks=4)
    series = await api.create_series(rule="FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU", first=first, hours=(1, 2))
    sid = series["_id"]
    past = today - timedelta(days=3)
    answer = (
        await api.data(
            ANSWER,
            {
                "id": instance_id(sid, past),
                "info": {"tags": ["LATER"]},
                "options": {"scope": "THIS_AND_FOLLOWING"},
            },
        )
    )["updateSession"]
    new_id = answer["recurringSessionId"]
    assert new_id != sid
    # The answer is the new series' first occurrence: its id and originalStart are the split date,
    # the first occurrence that had not started (today's 01:00 has, in every test run after 01:00).
    wall = answer["originalStart"]["localDateTime"]
    split_day = date(wall["year"], wall["monthOfYear"], wall["dayOfMonth"])
    assert split_day > past
    assert answer["_id"] == instance_id(new_id, split_day)
    assert (await api.session(new_id))["start"]["localDateTime"]["dayOfMonth"] == split_day.day
    untouched = await api.session(instance_id(sid, split_day - timedelta(days=1)))
    assert untouched["tags"] == ["GROUP"]
