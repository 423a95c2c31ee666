"""Edit scopes through the API: THIS, THIS_AND_FOLLOWING (a split) and ALL, on update and delete."""

from __future__ import annotations

from datetime import date

from bookings_sessions.domain.recurrence import instance_id
from tests.support.api import Api
from tests.support.graphql import DELETE, GET, UPDATE
from tests.support.scopes import MARCH_5, TUESDAY, day_of, hm, local, rows, scoped_update, tuesday_class


async def test_this_and_following_splits_ahead_of_time(api: Api) -> None:
    series = await tuesday_class(api)
    march = instance_id(series["_id"], MARCH_5)
    # An exception after the split point, with its own tags and its own time.
    later = instance_id(series["_id"], date(2030, 3, 19))
    await scoped_update(api, later, {"tags": ["SPECIAL"]}, None)
    moved = instance_id(series["_id"], date(2030, 4, 2))
    own_time = {"start": local(date(2030, 4, 2), 9), "end": local(date(2030, 4, 2), 10)}
    await scoped_update(api, moved, own_time, None)

    result = await scoped_update(
        api, march, {"start": local(MARCH_5, 18, 30), "end": local(MARCH_5, 19, 30)}, "THIS_AND_FOLLOWING"
    )
    new_id = result["recurringSessionId"]
    assert new_id != series["_id"]
    assert result["_id"] == instance_id(new_id, MARCH_5)
    assert hm(result["start"]) == (18, 30)

    listed = await rows(api)
    by_day = {day_of(row): row for row in listed}
    assert len(listed) == len(by_day)  # each Tuesday once: no occurrence doubled or lost
    for day, row in by_day.items():
        owner = series["_id"] if day < MARCH_5 else new_id
        assert row["recurringSessionId"] == owner, day
        wall = row["start"]["localDateTime"]
        if day < MARCH_5:
            assert (wall["hourOfDay"], wall["minutesOfHour"]) == (18, 0)
        elif day != date(2030, 4, 2):
            assert (wall["hourOfDay"], wall["minutesOfHour"]) == (18, 30), day
    assert by_day[date(2030, 3, 19)]["tags"] == ["SPECIAL"]  # override kept
    assert by_day[date(2030, 4, 2)]["start"]["localDateTime"]["hourOfDay"] == 9  # fixed start kept
    assert date(2030, 2, 26) in by_day and MARCH_5 in by_day

    # The original ends before the split; its old instance ids there are gone, the new ones answer.
    original = (await api.data(GET, {"id": series["_id"]}))["session"]
    assert "UNTIL=" in original["recurrence"]
    assert (await api.error(GET, {"id": march}))["extensions"]["code"] == "NOT_FOUND"
    moved_row = (await api.data(GET, {"id": instance_id(new_id, date(2030, 3, 19))}))["session"]
    assert moved_row["tags"] == ["SPECIAL"]
    new_series = (await api.data(GET, {"id": new_id}))["session"]
    assert new_series["recurrence"] == "FREQ=WEEKLY;INTERVAL=1;BYDAY=TU"


async def test_this_is_the_default_and_all_changes_the_series(api: Api) -> None:
    series = await tuesday_class(api)
    iid = instance_id(series["_id"], MARCH_5)
    only = await scoped_update(api, iid, {"tags": ["ONE"]}, "THIS")
    assert only["_id"] == iid and only["tags"] == ["ONE"]
    other = (await api.data(GET, {"id": instance_id(series["_id"], date(2030, 3, 12))}))["session"]
    assert other["tags"] == ["GROUP"]
    everything = await scoped_update(api, iid, {"tags": ["ALL"]}, "ALL")
    assert everything["_id"] == series["_id"] and everything["tags"] == ["ALL"]
    other = (await api.data(GET, {"id": instance_id(series["_id"], date(2030, 3, 12))}))["session"]
    assert other["tags"] == ["ALL"]


async def test_series_id_takes_only_all_and_singles_take_any(api: Api) -> None:
    series = await tuesday_class(api)
    for scope in ("THIS", "THIS_AND_FOLLOWING"):
        error = await api.error(
            UPDATE, {"id": series["_id"], "info": {"tags": ["X"]}, "options": {"scope": scope}}
        )
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert error["extensions"]["field"] == "options.scope"
        error = await api.error(DELETE, {"id": series["_id"], "options": {"scope": scope}})
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert (await scoped_update(api, series["_id"], {"tags": ["X"]}, "ALL"))["tags"] == ["X"]
    single = await api.create_single()
    for scope in ("THIS", "THIS_AND_FOLLOWING", "ALL"):
        assert (await scoped_update(api, single["_id"], {"tags": [scope]}, scope))["tags"] == [scope]


async def test_delete_this_and_following_ends_the_series(api: Api) -> None:
    series = await tuesday_class(api)
    await scoped_update(api, instance_id(series["_id"], date(2030, 3, 19)), {"tags": ["SPECIAL"]}, None)
    iid = instance_id(series["_id"], MARCH_5)
    ended = (await api.data(DELETE, {"id": iid, "options": {"scope": "THIS_AND_FOLLOWING"}}))["deleteSession"]
    assert ended["_id"] == series["_id"] and "UNTIL=" in ended["recurrence"]
    days = [day_of(row) for row in await rows(api)]
    assert days and max(days) == date(2030, 2, 26)
    assert (await api.error(GET, {"id": iid}))["extensions"]["code"] == "NOT_FOUND"


async def test_delete_this_and_all_on_instances(api: Api) -> None:
    series = await tuesday_class(api)
    iid = instance_id(series["_id"], MARCH_5)
    one = (await api.data(DELETE, {"id": iid, "options": {"scope": "THIS"}}))["deleteSession"]
    assert one["status"] == "CANCELLED"
    other = (await api.data(GET, {"id": instance_id(series["_id"], date(2030, 3, 12))}))["session"]
    assert other["status"] == "CONFIRMED"
    whole = (await api.data(DELETE, {"id": iid, "options": {"scope": "ALL"}}))["deleteSession"]
    assert whole["_id"] == series["_id"] and whole["status"] == "CANCELLED"
    assert {row["status"] for row in await rows(api)} == {"CANCELLED"}


async def test_this_and_following_from_the_first_occurrence_is_all(api: Api) -> None:
    series = await tuesday_class(api)
    first = instance_id(series["_id"], TUESDAY)
    result = await scoped_update(api, first, {"tags": ["NEW"]}, "THIS_AND_FOLLOWING")
    assert result["_id"] == series["_id"] and result["tags"] == ["NEW"]
