"""The example calendar SPA at /app (examples/calendar-spa), in headless Chromium against a live server.

The page's build comes from `make spa` (a dependency of `make test`); Chromium runs in UTC, so the week's
wall times are the UTC times written here. Screenshots land in test-artifacts/; with
SPA_SCREENSHOTS_TO=docs/images the walkthrough's are copied there too (docs/spa.md).
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from bookings_sessions.settings import SettingsError, load_settings
from bookings_sessions.spa import DEFAULT_SPA_DIR
from bookings_sessions.storage.ferretdb import EmbeddedFerretDB
from tests.support.browser import BROWSER_ACCEPT, chromium_path
from tests.support.graphql import CREATE, session_query, sessions_query, wall_time
from tests.support.live_server import LiveServer, run_node, running_server, start_server, stop_server
from tests.support.paths import ARTIFACTS
from tests.support.tokens import Tokens

WEEK = "2030-01-07"  # a Monday
WINDOW = {"from": "2030-01-07T00:00:00Z", "to": "2030-01-14T00:00:00Z"}
WEEK_IDS = sessions_query("_id")
DASH = "\u2013"  # the en dash between times, as the page shows them
SESSION_NOTES = session_query("notes revision")
SESSION_TITLE = session_query("title revision")


@pytest.fixture(scope="session")
def spa_build() -> Path:
    assert (DEFAULT_SPA_DIR / "index.html").is_file(), "the SPA is not built: run `make spa`"
    return DEFAULT_SPA_DIR


def create(server: LiveServer, schedule: str, start: str, end: str, notes: str, **more: Any) -> str:
    info = {"scheduleId": schedule, "start": {"timestamp": start}, "end": {"timestamp": end}, "notes": notes}
    info.update(more)
    session_id: str = server.data(CREATE, {"info": info})["createSession"]["_id"]
    return session_id


def week_ids(server: LiveServer, schedule: str) -> set[str]:
    variables = {"filter": {"scheduleId": schedule}, "window": WINDOW, "expand": True, "first": 500}
    edges = server.data(WEEK_IDS, variables)["sessions"]["edges"]
    return {edge["node"]["_id"] for edge in edges}


def drive(
    server: LiveServer,
    scenario: str,
    schedules: list[str],
    *,
    replicas: tuple[LiveServer, ...] = (),
    **config: Any,
) -> Any:
    ARTIFACTS.mkdir(exist_ok=True)
    admin = server.tokens.admin
    settings = {
        "scenario": scenario,
        "appUrl": f"{server.url}/app/",
        "graphqlUrl": server.graphql_url,
        "chromium": chromium_path(),
        "artifacts": str(ARTIFACTS),
        "token": admin,
        "writerToken": admin,
        "schedules": schedules,
        "week": WEEK,
        **config,
    }
    if os.environ.get("SPA_SCREENSHOTS_TO"):
        settings["docsImages"] = str(Path(os.environ["SPA_SCREENSHOTS_TO"]).resolve())
    report = run_node("calendar-spa.mjs", json.dumps(settings), timeout=180)
    assert report["consoleErrors"] == [] and report["pageErrors"] == [], report
    assert report["cspViolations"] == [] and report["failedRequests"] == [], report
    # Nothing the page loaded or called came from another host: no CDN, fonts, analytics.
    origins = tuple(
        origin
        for served in (server, *replicas)
        for origin in (f"{served.url}/", "ws" + served.url.removeprefix("http") + "/")
    )
    assert report["requestedUrls"], report
    assert [url for url in report["requestedUrls"] if not url.startswith(origins)] == [], report
    return report


def test_the_week_shows_the_sessions_the_api_returns(live_server: LiveServer, spa_build: Path) -> None:
    first, second = f"room-{uuid.uuid4().hex[:6]}", f"coach-{uuid.uuid4().hex[:6]}"
    checkup = create(
        live_server,
        first,
        "2030-01-08T09:00:00Z",
        "2030-01-08T10:00:00Z",
        "Bring last year's results",
        title="Checkup",
        location={"type": "BUSINESS", "name": "Room 3", "address": "1 Harbour St"},
    )
    create(live_server, first, "2030-01-08T09:30:00Z", "2030-01-08T10:30:00Z", "Overlapping visit")
    group = create(
        live_server,
        first,
        "2030-01-10T14:00:00Z",
        "2030-01-10T15:30:00Z",
        "Mats provided",
        title="Group class",
        location={"type": "CUSTOM", "name": "Studio B"},
        capacity=12,
        participants=[{"name": "Ann", "partySize": 2}, {"name": "Bo"}],
    )
    series_info = {
        "scheduleId": first,
        "title": "Stand-up",
        "start": wall_time(date(2030, 1, 7), 11),
        "end": wall_time(date(2030, 1, 7), 12),
        "recurrence": "FREQ=WEEKLY;BYDAY=MO,WE",
    }
    series = live_server.data(CREATE, {"info": series_info})["createSession"]["_id"]
    create(live_server, first, "2030-01-15T09:00:00Z", "2030-01-15T10:00:00Z", "Next week")
    coaching = create(
        live_server,
        second,
        "2030-01-09T16:00:00Z",
        "2030-01-09T17:00:00Z",
        "Coaching",
        title="Coaching",
        location={"type": "CUSTOM", "name": "Pitch 2"},
        capacity=4,
    )
    expected = week_ids(live_server, first) | week_ids(live_server, second)
    assert len(expected) == 6  # three singles, two instances of the series, one on the other schedule

    report = drive(live_server, "week", [first, second], expectedCards=len(expected), sessionId=checkup)

    assert set(report["ids"]) == expected
    assert report["weekLabel"] == f"2030-01-07 {DASH} 2030-01-13"
    cards = {card["id"]: card for card in report["cards"]}
    assert f"09:00{DASH}10:00" in cards[checkup]["text"] and "Checkup" in cards[checkup]["text"]
    assert "Room 3, 1 Harbour St" in cards[checkup]["text"] and "left" not in cards[checkup]["text"]
    assert "top: 576px" in cards[checkup]["style"]  # 9 hours of 64 px
    # Title, location and spots left (capacity 12, a party of two and one of one).
    assert "Group class\nStudio B · 9 spots left" in cards[group]["text"]
    # No card's time is cut off, even in a quarter of a day (two schedules, two overlapping sessions); a
    # card of an hour or more in a lane of its own shows its title, location and spots uncut too.
    cut = [card for card in report["cards"] if card["timeCut"]]
    assert cut == [], [(card["text"], card["box"]) for card in cut]
    assert not cards[group]["contentCut"]
    # The one-hour card: time, title, location and spots, nothing clipped.
    assert cards[coaching]["text"].startswith(f"16:00{DASH}17:00\nCoaching\nPitch 2 · 4 spots left")
    assert not cards[coaching]["contentCut"]
    # The two overlapping sessions sit side by side, the later one to the right.
    visit = next(card for card in report["cards"] if "Overlapping visit" in card["text"])
    assert cards[checkup]["box"]["right"] <= visit["box"]["left"] + 1
    assert report["axe"] == [], report["axe"]
    assert "09:00 to 10:00, Checkup" in cards[checkup]["label"]
    instances = [card for card in report["cards"] if "↻" in card["text"]]
    assert len(instances) == 2
    assert all(f"11:00{DASH}12:00" in card["text"] and "Stand-up" in card["text"] for card in instances)
    assert series not in cards  # the series itself is not on the calendar, its instances are
    # The side panel opened on the clicked session.
    assert (report["panelTitle"], report["panelNotes"]) == ("Checkup", "Bring last year's results")
    assert "Room 3, 1 Harbour St" in report["panelFacts"] and "Spots" not in report["panelFacts"]
    assert (ARTIFACTS / "calendar-week.png").stat().st_size > 10_000


def test_an_edit_in_one_window_appears_in_another_without_reload(
    live_server: LiveServer, spa_build: Path
) -> None:
    schedule = f"live-{uuid.uuid4().hex[:6]}"
    session_id = create(live_server, schedule, "2030-01-09T10:00:00Z", "2030-01-09T11:00:00Z", "Before")
    probe_id = create(live_server, schedule, "2030-01-11T08:00:00Z", "2030-01-11T09:00:00Z", "Probe")

    report = drive(live_server, "live", [schedule], sessionId=session_id, probeSessionId=probe_id)

    # The second window's card and open panel followed the first window's save, in the same document.
    assert report["firstEdit"] in report["secondCardText"]
    assert report["sameDocument"] is True
    # Then it was editing when the first saved again: it was shown both versions, kept its own, saved.
    assert report["theirs"] == report["firstEdit"] + ", and again"
    assert report["yours"] == report["secondDraft"]
    assert report["saveBlocked"] is True
    assert report["secondDraft"] in report["firstCardAfter"]
    stored = live_server.data(SESSION_NOTES, {"id": session_id})["session"]
    assert stored["notes"] == report["secondDraft"]
    assert stored["revision"] == 4  # created, first save, second save, the second window's save


@pytest.fixture
def replica(
    live_server: LiveServer, ferretdb: EmbeddedFerretDB, tmp_path: Path, tokens: Tokens
) -> Iterator[LiveServer]:
    """A second server process on the live server's database, as a second replica behind a balancer.

    Its live feed looks at the change log only once a minute (the slowest allowed), so for the length of
    a test its subscribers hear nothing of writes made through the live server.
    """
    server = start_server(
        ferretdb.uri,
        tmp_path / "replica",
        tokens,
        MONGODB_DATABASE=live_server.database,
        CHANGES_POLL_SECONDS="60",
    )
    try:
        yield server
    finally:
        stop_server(server)


def test_a_stale_edit_shows_the_conflict_and_succeeds_after_retry(
    live_server: LiveServer, replica: LiveServer, spa_build: Path
) -> None:
    schedule = f"stale-{uuid.uuid4().hex[:6]}"
    session_id = create(
        live_server, schedule, "2030-01-10T10:00:00Z", "2030-01-10T11:00:00Z", "Notes", title="Original"
    )

    # The first context works through live_server, the second through the replica: the second hears
    # nothing of the first one's save (the replica's live feed lags) and saves the revision it read.
    report = drive(
        live_server,
        "conflict",
        [schedule],
        replicas=(replica,),
        sessionId=session_id,
        secondAppUrl=f"{replica.url}/app/",
    )

    assert report["readRevision"] == report["revisionSent"] == "1"
    refused, retried = report["secondSaves"]
    assert refused == {
        "options": {"expectedRevision": 1},
        "info": {"title": report["secondTitle"]},
        "code": "CONFLICT",
    }
    # The page showed the first context's value next to its own, and blocked a plain Save meanwhile.
    assert (report["theirs"], report["yours"]) == (report["firstTitle"], report["secondTitle"])
    assert "Your save was refused" in report["notice"] and "revision 1 → 2" in report["notice"]
    assert report["saveBlocked"] is True
    # The retry named the first context's revision, and went through.
    assert retried == {
        "options": {"expectedRevision": 2},
        "info": {"title": report["secondTitle"]},
        "code": None,
    }
    assert report["noticeGone"] is True
    stored = live_server.data(SESSION_TITLE, {"id": session_id})["session"]
    assert stored == {"title": report["secondTitle"], "revision": 3}  # created, first save, the retry
    assert (ARTIFACTS / "calendar-conflict.png").stat().st_size > 10_000


@pytest.fixture
def fresh_server(ferretdb: EmbeddedFerretDB, tmp_path: Path, tokens: Tokens) -> Iterator[LiveServer]:
    """A server of its own: its persisted-query store starts empty whatever ran before."""
    with running_server(ferretdb.uri, tmp_path / "server", tokens) as server:
        yield server


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def week_exchanges(report: dict[str, Any], load: int) -> list[dict[str, Any]]:
    def operation(exchange: dict[str, Any]) -> str | None:
        sent = exchange["body"] or exchange["params"]
        return sent.get("operationName")

    return [e for e in report["exchanges"] if e["load"] == load and operation(e) == "WeekSessions"]


def test_the_second_identical_request_sends_only_the_persisted_query_hash(
    fresh_server: LiveServer, spa_build: Path
) -> None:
    schedule = f"apq-{uuid.uuid4().hex[:6]}"
    create(fresh_server, schedule, "2030-01-08T09:00:00Z", "2030-01-08T10:00:00Z", "Hashed")

    report = drive(fresh_server, "apq", [schedule], expectedCards=1)

    # First load: the hash alone (GET), unknown to this server; then hash and document (POST), stored.
    miss, register = week_exchanges(report, 1)
    assert miss["method"] == "GET" and "query" not in miss["params"], miss
    query_hash = json.loads(miss["params"]["extensions"])["persistedQuery"]["sha256Hash"]
    assert miss["status"] == 200
    assert miss["response"]["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert register["method"] == "POST"
    assert register["body"]["extensions"]["persistedQuery"]["sha256Hash"] == query_hash
    assert sha256(register["body"]["query"]) == query_hash
    assert register["response"]["data"]["sessions"]["edges"]
    # Second load, same request: only the hash travels, and the answer is the week.
    (hit,) = week_exchanges(report, 2)
    assert hit["method"] == "GET" and "query" not in hit["params"], hit
    assert json.loads(hit["params"]["extensions"])["persistedQuery"]["sha256Hash"] == query_hash
    assert len(hit["params"]["extensions"]) < 200  # the document itself is some 600 characters
    assert hit["response"]["data"] == register["response"]["data"]


def test_app_is_served_with_a_strict_csp(live_server: LiveServer, spa_build: Path) -> None:
    redirect = httpx.get(f"{live_server.url}/app", headers={"Accept": BROWSER_ACCEPT})
    page = httpx.get(f"{live_server.url}/app/", headers={"Accept": BROWSER_ACCEPT})

    assert redirect.status_code in (307, 308) and redirect.headers["location"].endswith("/app/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "connect-src 'self'" in csp and "default-src 'none'" in csp
    assert "http" not in csp and "unsafe" not in csp
    script = page.text.split('src="', 1)[1].split('"', 1)[0]
    asset = httpx.get(f"{live_server.url}{script}")
    assert asset.status_code == 200 and "immutable" in asset.headers["cache-control"]


def test_spa_dir_must_hold_a_build(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="SPA_DIR"):
        load_settings(spa_dir=tmp_path)


def series_info(schedule: str, title: str, rule: str, hour: int = 11) -> dict[str, Any]:
    return {
        "scheduleId": schedule,
        "title": title,
        "start": wall_time(date(2030, 1, 7), hour, zone="UTC"),
        "end": wall_time(date(2030, 1, 7), hour + 1, zone="UTC"),
        "recurrence": rule,
    }


WEEK_FIELDS = sessions_query("_id title status recurringSessionId start { timestamp } end { timestamp }")


def week_of(server: LiveServer, schedule: str, window: dict[str, str] = WINDOW) -> list[dict[str, Any]]:
    variables = {"filter": {"scheduleId": schedule}, "window": window, "expand": True, "first": 500}
    edges = server.data(WEEK_FIELDS, variables)["sessions"]["edges"]
    return sorted((edge["node"] for edge in edges), key=lambda node: node["start"]["timestamp"])


def shown(cards: list[dict[str, Any]]) -> dict[str, tuple[str, str]]:
    """What the page shows: each card's date, times and title (its second line)."""
    return {
        card["start"][:10]: (card["text"].split("\n")[0].lstrip("↻ "), card["text"].split("\n")[1])
        for card in cards
    }


def test_create_single_and_weekly_then_cancel_and_restore(live_server: LiveServer, spa_build: Path) -> None:
    schedule = f"new-{uuid.uuid4().hex[:6]}"

    report = drive(live_server, "create", [schedule])

    # The empty slot clicked (Tuesday 10:00) preset the form: that schedule, an hour from there.
    assert report["slot"] == {"start": "2030-01-08T10:00", "end": "2030-01-08T11:00", "schedule": schedule}
    stored = {node["title"]: node for node in week_of(live_server, schedule)}
    single = stored["Single from a slot"]
    assert single["_id"] == report["singleId"]
    assert (single["start"]["timestamp"], single["end"]["timestamp"]) == (
        "2030-01-08T10:00:00+00:00",
        "2030-01-08T11:00:00+00:00",
    )
    details = live_server.data(
        session_query("capacity location { type name } revision status"), {"id": single["_id"]}
    )
    assert details["session"] == {
        "capacity": 8,
        "location": {"type": "CUSTOM", "name": "Studio A"},
        "revision": 3,
        "status": "CONFIRMED",
    }  # created, cancelled, restored
    # The weekly one: Mondays and Wednesdays at 18:00, four times: two this week, two the next.
    yoga = [node for node in week_of(live_server, schedule) if node["title"] == "Weekly yoga"]
    assert [node["start"]["timestamp"] for node in yoga] == [
        "2030-01-07T18:00:00+00:00",
        "2030-01-09T18:00:00+00:00",
    ]
    series_id = yoga[0]["recurringSessionId"]
    series = live_server.data(session_query("recurrence"), {"id": series_id})["session"]
    assert series["recurrence"] == "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,WE;COUNT=4"
    next_window = {"from": "2030-01-14T00:00:00Z", "to": "2030-01-28T00:00:00Z"}
    assert len([n for n in week_of(live_server, schedule, next_window) if n["title"] == "Weekly yoga"]) == 2
    # The page showed all three, then the cancelled one as cancelled, then restored.
    assert {card["id"] for card in report["afterCreate"]} == {node["_id"] for node in stored.values()} | {
        node["_id"] for node in yoga
    }
    assert "Cancel this session?" in report["confirmText"]
    assert report["cancelledCard"]["status"] == "CANCELLED" and "Cancelled" in report["cancelledCard"]["text"]
    restored = next(card for card in report["afterRestore"] if card["id"] == single["_id"])
    assert restored["status"] == "CONFIRMED" and "Cancelled" not in restored["text"]
    assert report["axe"] == [], report["axe"]
    assert (ARTIFACTS / "calendar-new-weekly.png").stat().st_size > 10_000


def test_each_scope_on_an_occurrence_and_the_week_after(live_server: LiveServer, spa_build: Path) -> None:
    schedule = f"scope-{uuid.uuid4().hex[:6]}"
    live_server.data(CREATE, {"info": series_info(schedule, "Stand-up", "FREQ=WEEKLY;BYDAY=MO,WE,FR")})

    report = drive(live_server, "scopes", [schedule])

    steps = report["steps"]
    mon, wed, fri = "2030-01-07", "2030-01-09", "2030-01-11"
    # Notes are not offered on an occurrence (the API refuses them there).
    assert not any(step["notesOffered"] for step in steps.values())
    # Only this: Wednesday alone.
    assert shown(steps["this"]["cards"]) == {
        mon: (f"11:00{DASH}12:00", "Stand-up"),
        wed: (f"11:00{DASH}12:00", "Only Wednesday"),
        fri: (f"11:00{DASH}12:00", "Stand-up"),
    }
    # This and following: Friday is now the first occurrence of a new series, and the panel followed it.
    friday_before = next(card["id"] for card in report["start"] if card["start"].startswith(fri))
    assert steps["following"]["landedOn"] != friday_before
    friday_after = next(card for card in steps["following"]["cards"] if card["start"].startswith(fri))
    assert friday_after["id"] == steps["following"]["landedOn"]
    assert shown(steps["following"]["cards"])[fri] == (f"11:00{DASH}12:00", "From Friday on")
    assert shown(steps["following"]["cards"])[mon] == (f"11:00{DASH}12:00", "Stand-up")
    # All (through Monday): the original series' occurrences take the title and the new end; Wednesday
    # keeps its own title; Friday, in the series split off, is untouched.
    assert shown(steps["all"]["cards"]) == {
        mon: (f"11:00{DASH}12:30", "Everyone"),
        wed: (f"11:00{DASH}12:30", "Only Wednesday"),
        fri: (f"11:00{DASH}12:00", "From Friday on"),
    }
    # The page shows what the API has, and the split carries into the next week.
    api_week = week_of(live_server, schedule)
    assert {card["id"] for card in steps["all"]["cards"]} == {node["_id"] for node in api_week}
    next_week = {"from": "2030-01-14T00:00:00Z", "to": "2030-01-21T00:00:00Z"}
    # The original series ended before Friday: next week is the new series' alone.
    assert [node["title"] for node in week_of(live_server, schedule, next_week)] == ["From Friday on"] * 3


def test_free_time_is_shaded_and_a_double_booking_is_refused_with_the_conflicts(
    live_server: LiveServer, spa_build: Path
) -> None:
    schedule = f"free-{uuid.uuid4().hex[:6]}"
    create(
        live_server, schedule, "2030-01-08T09:00:00Z", "2030-01-08T17:00:00Z", "Open", type="WORKING_HOURS"
    )
    busy = create(live_server, schedule, "2030-01-08T10:00:00Z", "2030-01-08T11:00:00Z", "x", title="Physio")

    report = drive(live_server, "freeTime", [schedule])

    assert report["free"] == [
        {"schedule": schedule, "from": "09:00", "to": "10:00"},
        {"schedule": schedule, "from": "11:00", "to": "17:00"},
    ]
    assert report["protectedByDefault"] is True
    assert [conflict["id"] for conflict in report["conflicts"]] == [busy]
    assert (
        "Physio" in report["conflicts"][0]["text"] and f"10:00{DASH}11:00" in report["conflicts"][0]["text"]
    )
    # The API's message, once, in the panel; no other error shown.
    assert report["panelText"].count("overlaps busy time") == 1
    assert report["alerts"] == [report["panelText"]]
    assert "Double" not in [node["title"] for node in week_of(live_server, schedule)]


def test_a_phone_sees_one_day_with_the_same_actions(live_server: LiveServer, spa_build: Path) -> None:
    schedule = f"phone-{uuid.uuid4().hex[:6]}"
    session_id = create(
        live_server,
        schedule,
        "2030-01-08T09:00:00Z",
        "2030-01-08T10:00:00Z",
        "x",
        title="Morning class with a long title",
        location={"type": "CUSTOM", "name": "Studio B"},
        capacity=10,
    )

    report = drive(live_server, "narrow", [schedule])

    assert report["shownDays"] == "1"
    assert (report["firstDay"], report["secondDay"]) == ("2030-01-07", "2030-01-08")
    [card] = report["cards"]
    assert card["id"] == session_id and not card["timeCut"] and not card["contentCut"]
    assert report["pageWidth"] <= 375  # nothing wider than the phone
    assert report["reached"] is True  # the card is reachable with Tab, and Enter opens it
    assert report["panelBox"]["width"] <= 375
    assert live_server.data(SESSION_TITLE, {"id": session_id})["session"]["title"] == "Renamed on a phone"
    created = live_server.data(session_query("title scheduleId"), {"id": report["createdId"]})["session"]
    assert created == {"title": "Booked on a phone", "scheduleId": schedule}
    assert report["axe"] == [], report["axe"]
