from __future__ import annotations

from datetime import date

from bookings_sessions.domain.recurrence import instance_id

from .conftest import Api
from .queries import CREATE, GET, UPDATE


def local(y: int, m: int, d: int, h: int, minute: int = 0) -> dict[str, object]:
    return {"localDateTime": {"year": y, "monthOfYear": m, "dayOfMonth": d, "hourOfDay": h,
                              "minutesOfHour": minute}, "timeZone": "Europe/London"}


async def test_series_smoke(api: Api) -> None:
    info = {"scheduleId": "s", "recurrence": "FREQ=WEEKLY;BYDAY=MO,WE", "start": local(2030, 1, 7, 10),
            "end": local(2030, 1, 7, 11), "tags": ["GROUP"]}
    series = (await api.data(CREATE, {"info": info}))["createSession"]
    assert series["recurrence"] == "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,WE"
    iid = instance_id(series["_id"], date(2030, 1, 9))
    inst = (await api.data(GET, {"id": iid}))["session"]
    assert inst["start"]["localDateTime"]["dayOfMonth"] == 9
    assert inst["recurringSessionId"] == series["_id"]
    moved = (await api.data(UPDATE, {"id": iid, "info": {"start": local(2030, 1, 9, 12),
                                                          "end": local(2030, 1, 9, 13)}}))["updateSession"]
    assert moved["start"]["localDateTime"]["hourOfDay"] == 12
    s2 = (await api.data(UPDATE, {"id": series["_id"], "info": {"start": local(2030, 1, 7, 8),
                                                                 "end": local(2030, 1, 7, 9)}}))["updateSession"]
    assert s2["start"]["localDateTime"]["hourOfDay"] == 8
    again = (await api.data(GET, {"id": iid}))["session"]
    assert again["start"]["localDateTime"]["hourOfDay"] == 12
    other = (await api.data(GET, {"id": instance_id(series["_id"], date(2030, 1, 14))}))["session"]
    assert other["start"]["localDateTime"]["hourOfDay"] == 8
