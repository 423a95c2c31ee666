"""Scope ALL sent through an occurrence (issue 21, item 2): every date kept, the time of day and the
duration changed on each, exceptions keeping what they set themselves, past occurrences untouched."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bookings_sessions.domain.recurrence import instance_id
from tests.support.api import Api
from tests.support.graphql import SERIES_ZONE, UPDATE
from tests.support.scopes import TUESDAY, day_of, hm, local, rows, scoped_update

DATES = [TUESDAY + timedelta(weeks=n) for n in range(6)]  # COUNT=6 from 1 January 2030
FIFTH = DATES[4]


async def _counted_class_with_exceptions(api: Api) -> str:
    """Tuesdays 18:00-19:00, six times; the 2nd moved to 09:00, the 3rd ending at 19:30, the 4th tagged."""
    series = await api.create_series(rule="FREQ=WEEKLY;BYDAY=TU;COUNT=6", first=TUESDAY, hours=(18, 19))
    sid: str = series["_id"]
    second, third, fourth = DATES[1:4]
    own_start = {"start": local(second, 9), "end": local(second, 10)}
    await scoped_update(api, instance_id(sid, second), own_start, None)
    await scoped_update(api, instance_id(sid, third), {"end": local(third, 19, 30)}, None)
    await scoped_update(api, instance_id(sid, fourth), {"tags": ["OWN"]}, None)
    return sid


async def test_all_through_an_occurrence_keeps_every_date_and_exception(api: Api) -> None:
    sid = await _counted_class_with_exceptions(api)
    result = await scoped_update(
        api, instance_id(sid, FIFTH), {"start": local(FIFTH, 17), "end": local(FIFTH, 18)}, "ALL"
    )
    assert result["_id"] == sid
    # COUNT=6 kept as the UNTIL of its sixth date (docs/recurring.md, COUNT across updates).
    assert result["recurrence"].startswith("FREQ=WEEKLY;INTERVAL=1;BYDAY=TU;UNTIL=20300206T")
    assert day_of(result) == TUESDAY  # still anchored on its first date
    assert (hm(result["start"]), hm(result["end"])) == ((17, 0), (18, 0))

    listed = {day_of(row): row for row in await rows(api) if row["recurringSessionId"] == sid}
    assert sorted(listed) == DATES  # no date lost, none added at the end
    times = {
        day: (hm(row["start"]), hm(row["end"]))
        for day, row in [(d, await api.session(instance_id(sid, d))) for d in DATES]
    }
    assert times[DATES[1]] == ((9, 0), (10, 0))  # its own start: kept
    assert times[DATES[2]] == ((17, 0), (18, 30))  # its own duration, the series' new start
    for day in (DATES[0], DATES[3], DATES[4], DATES[5]):
        assert times[day] == ((17, 0), (18, 0)), day
    assert listed[DATES[3]]["tags"] == ["OWN"]


async def test_all_through_an_occurrence_with_only_an_end_changes_the_duration(api: Api) -> None:
    series = await api.create_series(rule="FREQ=WEEKLY;BYDAY=TU", first=TUESDAY, hours=(18, 19))
    sid = series["_id"]
    result = await scoped_update(api, instance_id(sid, FIFTH), {"end": local(FIFTH, 20)}, "ALL")
    assert day_of(result) == TUESDAY and (hm(result["start"]), hm(result["end"])) == ((18, 0), (20, 0))
    first = await api.session(instance_id(sid, TUESDAY))
    assert (hm(first["start"]), hm(first["end"])) == ((18, 0), (20, 0))


async def test_all_through_an_occurrence_refuses_another_date(api: Api) -> None:
    series = await api.create_series(rule="FREQ=WEEKLY;BYDAY=TU", first=TUESDAY, hours=(18, 19))
    wednesday = FIFTH + timedelta(days=1)
    error = await api.error(
        UPDATE,
        {
            "id": instance_id(series["_id"], FIFTH),
            "info": {"start": local(wednesday, 17), "end": local(wednesday, 18)},
            "options": {"scope": "ALL"},
        },
    )
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "sessionInfo.start"
    assert "ALL" in error["message"]
    unchanged = await api.session(series["_id"])
    assert (day_of(unchanged), hm(unchanged["start"])) == (TUESDAY, (18, 0))


async def test_all_through_an_occurrence_leaves_past_occurrences(api: Api) -> None:
    today = datetime.now(ZoneInfo(SERIES_ZONE)).date()
    first = today - timedelta(weeks=4)
    series = await api.create_series(rule="FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU", first=first, hours=(1, 2))
    sid = series["_id"]
    later = today + timedelta(days=3)
    result = await scoped_update(
        api, instance_id(sid, later), {"start": local(later, 5), "end": local(later, 7)}, "ALL"
    )
    assert result["_id"] == sid and day_of(result) == first
    past = await api.session(instance_id(sid, today - timedelta(days=2)))
    future = await api.session(instance_id(sid, today + timedelta(days=1)))
    assert (hm(past["start"]), hm(past["end"])) == ((1, 0), (2, 0))
    assert (hm(future["start"]), hm(future["end"])) == ((5, 0), (7, 0))
