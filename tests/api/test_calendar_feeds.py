"""The subscribable calendar feed (`/calendars/{scheduleId}.ics`, docs/calendars.md): a year of a
schedule as an independent iCalendar library expands it equals the API's own listing, and so does a
timetable imported (`importCalendar`) and fed back out."""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar

from tests.support.api import Api, SettingsFor, serving
from tests.support.calendar_feeds import (
    BERLIN,
    NEW_YORK,
    REVOKE_FEED,
    SCHEDULE,
    api_listing,
    busy_schedule,
    create_feed,
    expanded,
    fetch,
    monday_before,
    today,
)
from tests.support.graphql import wall_time
from tests.support.live_server import run_node


async def test_a_year_of_the_feed_expands_to_the_api_listing(api: Api) -> None:
    await busy_schedule(api)
    feed = await create_feed(api, SCHEDULE)
    response = await fetch(api, feed["url"])
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"

    now = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    start, end = now - timedelta(days=60), now + timedelta(days=300)
    from_feed = expanded(response.content, start, end)
    from_api = await api_listing(api, SCHEDULE, start, end)
    assert from_feed == from_api
    titles = {row[2] for row in from_api}
    assert {
        "Yoga",
        "Yoga (outdoors)",
        "Evening yoga",
        "Run",
        "Long run",
        "Workshop",
        "Open day",
        "Social",
        "Pilates",
        "Pilates II",
        "Closed",
        "Course",
        "Market",
        "Big market",
    } <= titles
    assert "Called off" not in titles and "Not ours" not in titles
    # A series' rule runs on past the year the singles cover, and still says what the API lists there.
    later = (end, end + timedelta(days=300))
    assert expanded(response.content, *later) == await api_listing(api, SCHEDULE, *later)


async def test_the_token_is_stored_only_as_its_hash(api: Api) -> None:
    feed = await create_feed(api, SCHEDULE, include_private=True)
    token = feed["url"].split("token=")[1]
    stored = await api.app.state.runtime.client[api.app.state.runtime.settings.mongodb_database][
        "calendar_feeds"
    ].find_one({"feedId": feed["id"]})
    assert stored["_id"] == hashlib.sha256(token.encode()).hexdigest()
    assert token not in repr(stored)
    assert stored["scheduleId"] == SCHEDULE and stored["includePrivate"] is True


async def test_the_feed_is_rfc_5545_with_zones_uids_and_sequences(api: Api) -> None:
    ids = await busy_schedule(api)
    feed = await create_feed(api, SCHEDULE)
    calendar = Calendar.from_ical((await fetch(api, feed["url"])).content)

    assert {str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")} == {BERLIN, NEW_YORK}
    events = calendar.walk("VEVENT")
    by_uid: dict[str, list[Any]] = {}
    for event in events:
        by_uid.setdefault(str(event["UID"]), []).append(event)
    yoga_entries = [uid for uid in by_uid if uid.startswith(ids["yoga"])]
    assert len(yoga_entries) == 2  # one event per history entry, each with its own UID
    masters = [event for event in events if "RRULE" in event]
    assert len(masters) == 8  # two entries of each weekly timed series, the monthly one, the all-day one
    with_exdates = sorted(str(event["SUMMARY"]) for event in masters if "EXDATE" in event)
    assert with_exdates == ["Evening yoga", "Market", "Pilates", "Pilates II", "Run"]
    # Each history entry carries the EXDATE/RDATE values of the dates it governs, and only those.
    pilates = {str(event["SUMMARY"]): event for event in masters if "RDATE" in event}
    assert sorted(pilates) == ["Pilates", "Pilates II"]
    for event in pilates.values():
        first = event.decoded("DTSTART")
        assert len(event["EXDATE"] if isinstance(event["EXDATE"], list) else [event["EXDATE"]]) == 1
        assert all(day.dt > first for day in event["RDATE"].dts)
    # All-day events are dates (the end exclusive), their series' UNTIL too.
    market = next(event for event in masters if str(event["SUMMARY"]) == "Market")
    assert type(market.decoded("DTSTART")) is date and market.decoded("DURATION") == timedelta(days=1)
    course = next(event for event in events if str(event.get("SUMMARY")) == "Course")
    assert (course.decoded("DTEND") - course.decoded("DTSTART")).days == 3
    assert b"DTSTART;VALUE=DATE:" in calendar.to_ical() and b"RECURRENCE-ID;VALUE=DATE:" in calendar.to_ical()
    overrides = [event for event in events if "RECURRENCE-ID" in event]
    assert {str(event["SUMMARY"]) for event in overrides} >= {"Yoga (outdoors)", "Evening yoga", "Long run"}
    workshop = by_uid[f"{ids['workshop']}@bookings-sessions"][0]
    assert workshop["SEQUENCE"] == (await api.session(ids["workshop"]))["revision"]
    # Another request gives the same bytes (DTSTAMP is the last change, not the time of the request).
    assert (await fetch(api, feed["url"])).content == (await fetch(api, feed["url"])).content


async def test_if_none_match_answers_304_until_a_session_changes(api: Api) -> None:
    ids = await busy_schedule(api)
    feed = await create_feed(api, SCHEDULE)
    first = await fetch(api, feed["url"])
    etag = first.headers["etag"]
    again = await fetch(api, feed["url"], **{"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    assert (await fetch(api, feed["url"])).content == first.content

    await api.update(ids["workshop"], {"title": "Workshop II"})
    changed = await fetch(api, feed["url"], **{"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert b"Workshop II" in changed.content


async def test_private_fields_only_in_a_feed_minted_with_include_private(api: Api) -> None:
    await busy_schedule(api)
    public = (await fetch(api, (await create_feed(api, SCHEDULE))["url"])).text
    private = (await fetch(api, (await create_feed(api, SCHEDULE, include_private=True))["url"])).text
    for text in ("bring mats", "ada@example.com", "Main hall"):
        assert text not in public
        assert text in private


async def test_bad_revoked_and_other_schedules_tokens_are_404_alike(api: Api) -> None:
    await busy_schedule(api)
    feed = await create_feed(api, SCHEDULE)
    token = feed["url"].split("token=")[1]
    assert feed["url"] == f"/calendars/{SCHEDULE}.ics?token={token}" and feed["scheduleId"] == SCHEDULE
    other = await create_feed(api, "elsewhere")
    refused = [
        f"/calendars/{SCHEDULE}.ics",
        f"/calendars/{SCHEDULE}.ics?token=",
        f"/calendars/{SCHEDULE}.ics?token=nope",
        f"/calendars/{SCHEDULE}.ics?token={'x' * 5000}",
        "/calendars/no-such-schedule.ics?token=nope",
        f"/calendars/no-such-schedule.ics?token={token}",
        f"/calendars/{SCHEDULE}.ics?token={other['url'].split('token=')[1]}",
    ]
    answers = [await fetch(api, url) for url in refused]
    assert {(answer.status_code, answer.text) for answer in answers} == {(404, "not found")}

    assert (await fetch(api, feed["url"])).status_code == 200
    assert (await api.data(REVOKE_FEED, {"id": feed["id"]}))["revokeCalendarFeed"] is True
    revoked = await fetch(api, feed["url"])
    assert (revoked.status_code, revoked.text) == (404, "not found")
    assert (await api.data(REVOKE_FEED, {"id": feed["id"]}))["revokeCalendarFeed"] is False
    assert (await fetch(api, other["url"])).status_code == 200  # other feeds stay


async def test_only_admins_mint_and_revoke_feeds(api: Api) -> None:
    for token, code in (
        (None, "UNAUTHENTICATED"),
        (api.tokens.staff, "FORBIDDEN"),
        (api.tokens.service, "FORBIDDEN"),
    ):
        error = await api.error(
            'mutation { createCalendarFeed(scheduleId: "studio") { id url } }', token=token
        )
        assert error["extensions"]["code"] == code
        error = await api.error('mutation { revokeCalendarFeed(id: "x") }', token=token)
        assert error["extensions"]["code"] == code


@pytest.mark.parametrize("schedule_id", ["", "x" * 201])
async def test_a_bad_schedule_id_is_refused(api: Api, schedule_id: str) -> None:
    error = await api.error(
        "mutation F($s: String!) { createCalendarFeed(scheduleId: $s) { id } }", {"s": schedule_id}
    )
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_schedule_id_with_a_slash_has_a_working_url(api: Api) -> None:
    now = today()
    await api.create_single(
        scheduleId="rooms/1 a",
        title="Inside",
        start=wall_time(now + timedelta(days=3), 9, zone=BERLIN),
        end=wall_time(now + timedelta(days=3), 10, zone=BERLIN),
    )
    feed = await create_feed(api, "rooms/1 a")
    assert feed["url"].startswith("/calendars/rooms%2F1%20a.ics?token=")
    response = await fetch(api, feed["url"])
    assert response.status_code == 200 and b"SUMMARY:Inside" in response.content


async def test_mozillas_ical_js_reads_the_same_year_as_the_api_lists(api: Api, tmp_path: Path) -> None:
    """Thunderbird's parser (tests/node/ical-feed.mjs): zones registered, overrides related by UID."""
    await busy_schedule(api)
    feed = await create_feed(api, SCHEDULE)
    ics = tmp_path / "studio.ics"
    ics.write_bytes((await fetch(api, feed["url"])).content)
    now = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    start, end = now - timedelta(days=60), now + timedelta(days=300)

    # The year the API lists, and the one after it: a rule and its zones' DST changes run on.
    for first, last in ((start, end), (end, end + timedelta(days=300))):
        read = run_node("ical-feed.mjs", str(ics), first.isoformat(), last.isoformat())

        assert read["zones"] == sorted([BERLIN, NEW_YORK])
        rows = [(_utc(begins), _utc(ends), title) for begins, ends, title in read["rows"]]
        assert rows == await api_listing(api, SCHEDULE, first, last)


def _utc(text: str) -> datetime | date:
    """An instant, or an all-day event's date (YYYY-MM-DD)."""
    if len(text) == len("YYYY-MM-DD"):
        return date.fromisoformat(text)
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


async def test_the_access_log_and_metrics_never_hold_the_token(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    feed = await create_feed(api, SCHEDULE)
    token = feed["url"].split("token=")[1]
    with caplog.at_level(logging.INFO, logger="bookings_sessions.access"):
        assert (await fetch(api, feed["url"])).status_code == 200
    assert any("/calendars/studio.ics" in record.getMessage() for record in caplog.records)
    assert token not in caplog.text
    metrics = (await api.client.get("/metrics")).text
    assert 'route="/calendars"' in metrics and token not in metrics


async def test_revoking_holds_at_once_in_another_server_process(api: Api, settings_for: SettingsFor) -> None:
    """Two apps on one database: a feed revoked through one is refused by the other's next request."""
    feed = await create_feed(api, SCHEDULE)
    async with serving(settings_for(), api.tokens) as other:
        assert (await fetch(other, feed["url"])).status_code == 200
        assert (await api.data(REVOKE_FEED, {"id": feed["id"]}))["revokeCalendarFeed"] is True
        assert (await fetch(other, feed["url"])).status_code == 404


IMPORT = """
mutation Import($schedule: String!, $ics: String!) {
  importCalendar(scheduleId: $schedule, ics: $ics) { created updated unchanged failed { uid code message } }
}
"""


def _timetable(now: date) -> str:
    """Another system's export, dated from today (the feed covers a span around it): singles in two
    zones, a weekly series with EXDATE and RDATE, a moved and a cancelled occurrence, all-day events."""
    monday = now + timedelta(days=7 - now.weekday())

    def at(day: date, hhmm: str) -> str:
        return f"{day:%Y%m%d}T{hhmm}00"

    def week(n: int, weekday: int = 0) -> date:
        return monday + timedelta(days=7 * n + weekday)

    de, ny = f"TZID={BERLIN}", f"TZID={NEW_YORK}"
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Another studio system//EN",
        "BEGIN:VEVENT", "UID:berlin@example.com", f"DTSTART;{de}:{at(now + timedelta(days=9), '0900')}",
        f"DTEND;{de}:{at(now + timedelta(days=9), '1030')}", "SUMMARY:Intro", "END:VEVENT",
        "BEGIN:VEVENT", "UID:ny@example.com", f"DTSTART;{ny}:{at(now + timedelta(days=11), '1700')}",
        "DURATION:PT45M", "SUMMARY:Q&A", "END:VEVENT",
        "BEGIN:VEVENT", "UID:yoga@example.com", f"DTSTART;{ny}:{at(week(0), '1800')}",
        f"DTEND;{ny}:{at(week(0), '1900')}", "RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=10",
        f"EXDATE;{ny}:{at(week(2), '1800')}", f"RDATE;{ny}:{at(week(2, 2), '0700')}",
        "SUMMARY:Yoga", "END:VEVENT",
        "BEGIN:VEVENT", "UID:yoga@example.com", f"RECURRENCE-ID;{ny}:{at(week(4), '1800')}",
        f"DTSTART;{ny}:{at(week(4, 1), '1930')}", f"DTEND;{ny}:{at(week(4, 1), '2100')}",
        "SUMMARY:Yoga (moved)", "END:VEVENT",
        "BEGIN:VEVENT", "UID:yoga@example.com", f"RECURRENCE-ID;{ny}:{at(week(6), '1800')}",
        f"DTSTART;{ny}:{at(week(6), '1800')}", f"DTEND;{ny}:{at(week(6), '1900')}", "SUMMARY:Yoga",
        "STATUS:CANCELLED", "END:VEVENT",
        "BEGIN:VEVENT", "UID:closed@example.com", f"DTSTART;VALUE=DATE:{week(3, 4):%Y%m%d}",
        f"DTEND;VALUE=DATE:{week(3, 6):%Y%m%d}", "SUMMARY:Closed", "END:VEVENT",
        "BEGIN:VEVENT", "UID:market@example.com", f"DTSTART;VALUE=DATE:{week(1, 5):%Y%m%d}",
        "RRULE:FREQ=WEEKLY;COUNT=4", f"EXDATE;VALUE=DATE:{week(2, 5):%Y%m%d}", "SUMMARY:Market", "END:VEVENT",
        "END:VCALENDAR",
    ]  # fmt: skip
    return "\n".join(lines) + "\n"


async def test_an_imported_timetable_fed_back_out_expands_to_the_api_listing(api: Api) -> None:
    """Import → feed round trip: what another system exported, imported and then subscribed to, shows
    the same starts, ends and titles as `sessions(expandInstances: true)`."""
    result = (await api.data(IMPORT, {"schedule": SCHEDULE, "ics": _timetable(today())}))["importCalendar"]
    assert (result["created"], result["failed"]) == (5, [])
    feed = await create_feed(api, SCHEDULE)
    response = await fetch(api, feed["url"])
    assert response.status_code == 200

    now = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    start, end = now - timedelta(days=60), now + timedelta(days=300)
    from_api = await api_listing(api, SCHEDULE, start, end)
    assert expanded(response.content, start, end) == from_api
    assert {row[2] for row in from_api} == {"Intro", "Q&A", "Yoga", "Yoga (moved)", "Closed", "Market"}
    assert len(from_api) == 2 + (10 - 1 + 1 - 1) + 1 + (4 - 1)  # singles, yoga, the closure, markets
    assert sum(isinstance(row[0], datetime) for row in from_api) == 2 + 9


async def test_a_series_shown_only_by_its_rdates_after_its_rule_ended(api: Api, tmp_path: Path) -> None:
    """A rule that ended before the feed's first day, with an RDATE inside it: the event is that date
    (RFC 5545 would drop a DTSTART after the RRULE's UNTIL)."""
    now = today()
    first = monday_before(now, 30)
    later = now + timedelta(days=10)
    await api.create_series(
        rule=f"RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=2\nRDATE;TZID={BERLIN}:{later:%Y%m%d}T120000",
        first=first,
        hours=(9, 10),
        zone=BERLIN,
        scheduleId=SCHEDULE,
        title="Reunion",
    )
    feed = await create_feed(api, SCHEDULE)
    content = (await fetch(api, feed["url"])).content
    start = datetime.combine(now - timedelta(days=60), datetime.min.time(), UTC)
    end = start + timedelta(days=360)
    from_api = await api_listing(api, SCHEDULE, start, end)
    assert [row[2] for row in from_api] == ["Reunion"]
    assert expanded(content, start, end) == from_api
    ics = tmp_path / "studio.ics"
    ics.write_bytes(content)
    read = run_node("ical-feed.mjs", str(ics), start.isoformat(), end.isoformat())
    assert [(_utc(begins), _utc(ends), title) for begins, ends, title in read["rows"]] == from_api
