"""importCalendar through the real app and FerretDB (issue 24, item 2): a file with single events, a
weekly series with EXDATE and RDATE, an overriding RECURRENCE-ID event, a cancelled occurrence and
events that cannot be taken; the listing is checked against an independent expansion of the same file
by `recurring-ical-events`."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events

from bookings_sessions.domain.recurrence import instance_id
from tests.support.api import Api
from tests.support.docs import FENCED
from tests.support.graphql import CHANGES, GET, sessions_query, window
from tests.support.paths import DOCS_DIR

BUSINESS_ZONE = "Europe/Paris"
IMPORT = """
mutation Import($schedule: String!, $ics: String!, $dry: Boolean) {
  importCalendar(scheduleId: $schedule, ics: $ics, dryRun: $dry) {
    created updated unchanged failed { uid code message }
  }
}
"""
LISTED = sessions_query(
    "_id title status allDay icalUid recurringSessionId start { timestamp } end { timestamp }"
)
WINDOW_FROM = datetime(2030, 1, 1, tzinfo=UTC)
WINDOW_TO = datetime(2030, 4, 1, tzinfo=UTC)

TIMETABLE = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Another studio system//EN
BEGIN:VEVENT
UID:single-london@example.com
DTSTART;TZID=Europe/London:20300110T090000
DTEND;TZID=Europe/London:20300110T103000
SUMMARY:Intro workshop
LOCATION:Studio 2
END:VEVENT
BEGIN:VEVENT
UID:single-utc@example.com
DTSTART:20300115T170000Z
DURATION:PT45M
SUMMARY:Online Q&A
END:VEVENT
BEGIN:VEVENT
UID:single-floating@example.com
DTSTART:20300120T080000
DTEND:20300120T090000
SUMMARY:Breakfast club
END:VEVENT
BEGIN:VEVENT
UID:weekly-yoga@example.com
DTSTART;TZID=America/New_York:20300107T180000
DTEND;TZID=America/New_York:20300107T190000
RRULE:FREQ=WEEKLY;WKST=SU;BYDAY=MO;COUNT=10
EXDATE;TZID=America/New_York:20300121T180000
RDATE;TZID=America/New_York:20300123T070000
SUMMARY:Yoga
END:VEVENT
BEGIN:VEVENT
UID:weekly-yoga@example.com
RECURRENCE-ID;TZID=America/New_York:20300204T180000
DTSTART;TZID=America/New_York:20300205T193000
DTEND;TZID=America/New_York:20300205T210000
SUMMARY:Yoga (moved, longer)
END:VEVENT
BEGIN:VEVENT
UID:weekly-yoga@example.com
RECURRENCE-ID;TZID=America/New_York:20300218T180000
DTSTART;TZID=America/New_York:20300218T180000
DTEND;TZID=America/New_York:20300218T190000
SUMMARY:Yoga
STATUS:CANCELLED
END:VEVENT
BEGIN:VEVENT
UID:holiday@example.com
DTSTART;VALUE=DATE:20300331
DTEND;VALUE=DATE:20300401
SUMMARY:Closed
END:VEVENT
BEGIN:VEVENT
UID:course@example.com
DTSTART;VALUE=DATE:20300225
DURATION:P3D
SUMMARY:Teacher training
END:VEVENT
BEGIN:VEVENT
UID:market@example.com
DTSTART;VALUE=DATE:20300302
RRULE:FREQ=WEEKLY;COUNT=5
EXDATE;VALUE=DATE:20300302,20300316
SUMMARY:Market
END:VEVENT
BEGIN:VEVENT
UID:market@example.com
RECURRENCE-ID;VALUE=DATE:20300323
DTSTART;VALUE=DATE:20300323
DTEND;VALUE=DATE:20300324
SUMMARY:Big market
END:VEVENT
BEGIN:VEVENT
UID:hourly@example.com
DTSTART:20300301T090000Z
DTEND:20300301T091500Z
RRULE:FREQ=HOURLY;COUNT=5
SUMMARY:Check-in
END:VEVENT
END:VCALENDAR
"""


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"business_time_zone": BUSINESS_ZONE}


async def run_import(api: Api, ics: str = TIMETABLE, dry: bool = False) -> dict[str, Any]:
    result: dict[str, Any] = (await api.data(IMPORT, {"schedule": "studio", "ics": ics, "dry": dry}))[
        "importCalendar"
    ]
    return result


async def listed(api: Api) -> list[dict[str, Any]]:
    page = await api.data(LISTED, {"window": window(WINDOW_FROM, WINDOW_TO), "expand": True, "first": 500})
    return [edge["node"] for edge in page["sessions"]["edges"]]


def utc_of(value: datetime) -> datetime:
    if value.tzinfo is None:  # floating: the business' wall time
        value = value.replace(tzinfo=ZoneInfo(BUSINESS_ZONE))
    return value.astimezone(UTC)


def as_date_time(value: datetime | date) -> datetime:
    """An all-day event's date as its first instant: midnight, floating (the business' day)."""
    return value if isinstance(value, datetime) else datetime.combine(value, time())


def independent_expansion(ics: str) -> list[tuple[datetime, datetime, str]]:
    """What a calendar app shows for the window, by `recurring-ical-events` (not our code)."""
    calendar = icalendar.Calendar.from_ical(ics)
    events = recurring_ical_events.of(calendar).between(WINDOW_FROM, WINDOW_TO)
    shown = []
    for event in events:
        if str(event.get("STATUS", "")) == "CANCELLED":
            continue
        if event["UID"] in ("hourly@example.com",):  # refused by the import, so not listed
            continue
        start, end = (as_date_time(value) for value in (event["DTSTART"].dt, event.end))
        shown.append((utc_of(start), utc_of(end), str(event["SUMMARY"])))
    return sorted(shown)


def parse_instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


async def test_import_creates_matches_an_independent_expansion_and_is_idempotent(api: Api) -> None:
    result = await run_import(api)
    assert (result["created"], result["updated"], result["unchanged"]) == (7, 0, 0)
    assert sorted((f["uid"], f["code"]) for f in result["failed"]) == [
        ("hourly@example.com", "UNSUPPORTED_RULE")
    ]
    assert "FREQ" in next(f["message"] for f in result["failed"] if f["code"] == "UNSUPPORTED_RULE")

    sessions = await listed(api)
    ours = sorted(
        (parse_instant(s["start"]["timestamp"]), parse_instant(s["end"]["timestamp"]), s["title"])
        for s in sessions
        if s["status"] != "CANCELLED"
    )
    assert ours == independent_expansion(TIMETABLE)
    # Singles; COUNT=10, one EXDATE, one RDATE, one cancelled; two all-day singles; COUNT=5, two EXDATEs.
    assert len(ours) == 3 + 10 - 1 + 1 - 1 + 2 + 5 - 2
    assert {s["icalUid"] for s in sessions} == {
        "single-london@example.com",
        "single-utc@example.com",
        "single-floating@example.com",
        "weekly-yoga@example.com",
        "holiday@example.com",
        "course@example.com",
        "market@example.com",
    }
    # Dates are all-day sessions: whole days in the business zone, 23 hours on its spring-forward Sunday.
    all_day = {s["title"]: s for s in sessions if s["allDay"]}
    assert set(all_day) == {"Closed", "Teacher training", "Market", "Big market"}
    closed = all_day["Closed"]
    assert parse_instant(closed["end"]["timestamp"]) - parse_instant(closed["start"]["timestamp"]) == (
        timedelta(hours=23)
    )
    # The cancelled occurrence is an instance, CANCELLED; the EXDATE'd one is no instance at all.
    series_id = next(s["recurringSessionId"] for s in sessions if s["icalUid"] == "weekly-yoga@example.com")
    cancelled = await api.session(instance_id(series_id, date(2030, 2, 18)))
    assert cancelled["status"] == "CANCELLED"
    error = await api.error(GET, {"id": instance_id(series_id, date(2030, 1, 21))})
    assert error["extensions"]["code"] == "NOT_FOUND"

    again = await run_import(api)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 7)
    assert await listed(api) == sessions


async def test_dry_run_writes_nothing_and_answers_the_same(api: Api) -> None:
    dry = await run_import(api, dry=True)
    assert await listed(api) == []
    real = await run_import(api)
    assert dry == real
    assert await run_import(api, dry=True) == {**real, "created": 0, "unchanged": 7}
    # 3 singles, 10 - 1 + 1 yoga (the cancelled one listed), 2 all-day singles, 5 - 2 markets
    assert len(await listed(api)) == 13 + 2 + 3


async def test_a_changed_file_updates_what_changed(api: Api) -> None:
    await run_import(api)
    changed = TIMETABLE.replace("SUMMARY:Online Q&A", "SUMMARY:Online Q&A (new link)").replace(
        "RECURRENCE-ID;TZID=America/New_York:20300218T180000\n"
        "DTSTART;TZID=America/New_York:20300218T180000\n"
        "DTEND;TZID=America/New_York:20300218T190000\n"
        "SUMMARY:Yoga\n"
        "STATUS:CANCELLED",
        "RECURRENCE-ID;TZID=America/New_York:20300225T180000\n"
        "DTSTART;TZID=America/New_York:20300225T170000\n"
        "DTEND;TZID=America/New_York:20300225T180000\n"
        "SUMMARY:Yoga (early)",
    )
    result = await run_import(api, changed)
    assert (result["created"], result["updated"], result["unchanged"]) == (0, 2, 5)
    titles = {s["title"] for s in await listed(api)}
    assert {"Online Q&A (new link)", "Yoga (early)"} <= titles


async def test_events_that_cannot_be_taken_are_listed_by_code(api: Api) -> None:
    ics = (
        "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:x\n"
        "BEGIN:VEVENT\nDTSTART:20300101T090000Z\nDTEND:20300101T100000Z\nEND:VEVENT\n"
        "BEGIN:VEVENT\nUID:no-start\nSUMMARY:x\nEND:VEVENT\n"
        "BEGIN:VEVENT\nUID:no-end\nDTSTART:20300101T090000Z\nEND:VEVENT\n"
        "BEGIN:VEVENT\nUID:orphan\nRECURRENCE-ID:20300101T090000Z\n"
        "DTSTART:20300101T090000Z\nDTEND:20300101T100000Z\nEND:VEVENT\n"
        "BEGIN:VEVENT\nUID:backwards\nDTSTART:20300101T090000Z\nDTEND:20300101T080000Z\nEND:VEVENT\n"
        "BEGIN:VEVENT\nUID:fine\nDTSTART:20300101T090000Z\nDTEND:20300101T100000Z\nEND:VEVENT\n"
        "END:VCALENDAR\n"
    )
    result = await run_import(api, ics)
    assert result["created"] == 1
    assert sorted((f["uid"] or "", f["code"]) for f in result["failed"]) == [
        ("", "MISSING_UID"),
        ("backwards", "INVALID_EVENT"),
        ("no-end", "MISSING_END"),
        ("no-start", "MISSING_DTSTART"),
        ("orphan", "INVALID_EVENT"),
    ]


async def test_a_file_that_is_not_icalendar_or_too_big_is_bad_user_input(api: Api) -> None:
    error = await api.error(IMPORT, {"schedule": "studio", "ics": "hello"})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "ics"
    event = "BEGIN:VEVENT\nUID:u{n}\nDTSTART:20300101T090000Z\nDTEND:20300101T100000Z\nEND:VEVENT\n"
    body = "".join(event.format(n=n) for n in range(1001))
    error = await api.error(IMPORT, {"schedule": "studio", "ics": f"BEGIN:VCALENDAR\n{body}END:VCALENDAR\n"})
    assert error["extensions"]["field"] == "ics" and "at most 1000" in error["message"]


async def test_only_admins_import(api: Api) -> None:
    error = await api.error(IMPORT, {"schedule": "studio", "ics": TIMETABLE}, token=None)
    assert error["extensions"]["code"] in ("UNAUTHENTICATED", "FORBIDDEN")
    assert await listed(api) == []


async def test_the_documented_example_answers_as_documented(api: Api) -> None:
    blocks = [
        body for kind, body in FENCED.findall((DOCS_DIR / "import.md").read_text()) if kind == "graphql"
    ]
    result = (await api.data(blocks[0]))["importCalendar"]
    assert (result["created"], result["updated"], result["unchanged"], result["failed"]) == (3, 0, 0, [])
    again = (await api.data(blocks[0]))["importCalendar"]
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 3)


async def test_a_deleted_first_occurrence_moves_the_start_and_keeps_the_count(api: Api) -> None:
    """Calendar apps keep DTSTART and list it in EXDATE when the first occurrence is deleted."""
    ics = (
        "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:x\nBEGIN:VEVENT\nUID:pilates@example.com\n"
        "DTSTART;TZID=Europe/Berlin:20300101T100000\nDTEND;TZID=Europe/Berlin:20300101T110000\n"
        "RRULE:FREQ=WEEKLY;BYDAY=TU,TH;COUNT=6\n"
        "EXDATE;TZID=Europe/Berlin:20300101T100000,20300103T100000,20300110T100000\n"
        "SUMMARY:Pilates\nEND:VEVENT\nEND:VCALENDAR\n"
    )
    result = await run_import(api, ics)
    assert (result["created"], result["failed"]) == (1, [])
    sessions = await listed(api)
    ours = sorted(
        (parse_instant(s["start"]["timestamp"]), parse_instant(s["end"]["timestamp"]), s["title"])
        for s in sessions
    )
    assert ours == independent_expansion(ics)
    assert len(ours) == 3
    again = await run_import(api, ics)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 1)


async def changes_until(api: Api, count: int, after: str | None = None) -> tuple[list[dict[str, Any]], str]:
    """Changes after `after` until `count` arrived (the sequencer numbers them in the background)."""
    nodes: list[dict[str, Any]] = []
    for _ in range(400):
        page = (await api.data(CHANGES, {"after": after}))["changes"]
        nodes += [edge["node"] for edge in page["edges"]]
        after = page["pageInfo"]["endCursor"] or after
        if len(nodes) >= count:
            break
        await asyncio.sleep(0.05)
    assert len(nodes) >= count and after is not None, nodes
    return nodes, after


async def test_an_import_writes_the_change_events_one_by_one_writes_do(api: Api) -> None:
    await run_import(api)
    # Seven events created; the moved, the retitled and the cancelled occurrence each an instance write.
    first, cursor = await changes_until(api, 10)
    assert sorted(node["kind"] for node in first) == ["CANCELLED", *["CREATED"] * 7, "UPDATED", "UPDATED"]
    await run_import(api)
    await run_import(api, dry=True)
    marker = await api.create_single()
    later, _ = await changes_until(api, 1, cursor)
    assert [node["sessionId"] for node in later] == [marker["_id"]]  # the imports wrote nothing more
