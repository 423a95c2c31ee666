"""No acknowledged edit lost to a race (issue 26, item 2): two editors who read one occurrence at the
same revision and both send it with `expectedRevision`, in every scope, are answered once with success
(with their own values) and once with CONFLICT and `currentRevision`; the same request sent again after
its answer was lost answers what the first did."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bookings_sessions.domain.recurrence import instance_id
from tests.support.api import Api
from tests.support.graphql import DELETE, SERIES_ZONE, UPDATE
from tests.support.scopes import LIST_EXPANDED, MARCH_5, TUESDAY, day_of, local

WINDOW = {"from": "2029-12-01T00:00:00Z", "to": "2030-06-01T00:00:00Z"}

PAIRS = 20
EDITORS = ("editor-a", "editor-b")


def token(api: Api, editor: str) -> str:
    return api.tokens.make("BOOKINGS_ADMIN", sub=editor)


def options(scope: str, expected: int | None) -> dict[str, Any]:
    return {"scope": scope} | ({} if expected is None else {"expectedRevision": expected})


async def send(api: Api, query: str, variables: dict[str, Any], editor: str) -> dict[str, Any]:
    return await api.post(query, variables, token(api, editor))


def outcomes(answers: list[dict[str, Any]], field: str) -> tuple[list[Any], list[dict[str, Any]]]:
    """The successful answers' sessions and the errors, checking nothing else was answered."""
    won = [answer["data"][field] for answer in answers if not answer.get("errors")]
    lost = [answer["errors"][0] for answer in answers if answer.get("errors")]
    assert len(won) + len(lost) == len(answers)
    return won, lost


def one_won(answers: list[dict[str, Any]], field: str, read: int) -> tuple[dict[str, Any], int]:
    """Exactly one answer succeeded; the other is CONFLICT with a current revision past the one read.
    Returns the winner's session and which of the two it was."""
    won, lost = outcomes(answers, field)
    assert len(won) == 1 and len(lost) == 1, answers
    assert lost[0]["extensions"]["code"] == "CONFLICT", lost
    assert lost[0]["extensions"]["currentRevision"] > read, lost
    winner = next(i for i, answer in enumerate(answers) if not answer.get("errors"))
    return won[0], winner


def split(occurrence: str, tag: str, expected: int | None, minute: int = 30) -> dict[str, Any]:
    info = {"tags": [tag], "start": local(MARCH_5, 18, minute), "end": local(MARCH_5, 19, minute)}
    return {"id": occurrence, "info": info, "options": options("THIS_AND_FOLLOWING", expected)}


async def tuesday_class(api: Api, schedule: str = "schedule-1") -> dict[str, Any]:
    """Every Tuesday 18:00-19:00 in New York from 1 January 2030, on a schedule of its own."""
    return await api.create_series(
        rule="FREQ=WEEKLY;BYDAY=TU", first=TUESDAY, hours=(18, 19), scheduleId=schedule
    )


async def rows(api: Api, schedule: str = "schedule-1") -> list[dict[str, Any]]:
    filter_ = {"scheduleIds": [schedule]}
    data = await api.data(LIST_EXPANDED, {"window": WINDOW, "filter": filter_})
    return [edge["node"] for edge in data["sessions"]["edges"]]


async def occurrence_now(api: Api, schedule: str = "schedule-1") -> dict[str, Any]:
    """The occurrence on 5 March as listed now, wherever it went."""
    found = [row for row in await rows(api, schedule) if day_of(row) == MARCH_5]
    assert len(found) == 1, found
    return found[0]


async def test_two_editors_splitting_one_occurrence(api: Api) -> None:
    for pair in range(PAIRS):
        series = await tuesday_class(api, schedule := f"pair-{pair}")
        march = instance_id(series["_id"], MARCH_5)
        tags = [f"{editor}-{pair}" for editor in EDITORS]
        answers = await asyncio.gather(
            *(
                send(api, UPDATE, split(march, tag, 1), editor)
                for tag, editor in zip(tags, EDITORS, strict=True)
            )
        )
        won, winner = one_won(list(answers), "updateSession", read=1)
        assert won["tags"] == [tags[winner]]  # the winner's own values
        assert won["recurringSessionId"] != series["_id"]
        stored = await occurrence_now(api, schedule)
        assert (stored["_id"], stored["tags"]) == (
            won["_id"],
            [tags[winner]],
        )


async def test_two_editors_ending_a_series_at_one_occurrence(api: Api) -> None:
    for pair in range(PAIRS):
        series = await tuesday_class(api, schedule := f"pair-{pair}")
        march = instance_id(series["_id"], MARCH_5)
        variables = {"id": march, "options": options("THIS_AND_FOLLOWING", 1)}
        answers = await asyncio.gather(*(send(api, DELETE, variables, editor) for editor in EDITORS))
        won, _ = one_won(list(answers), "deleteSession", read=1)
        assert won["_id"] == series["_id"] and "UNTIL=" in won["recurrence"]
        assert max(day_of(row) for row in await rows(api, schedule)) < MARCH_5


@pytest.mark.parametrize("scope", ["THIS", "ALL"])
async def test_two_editors_updating_one_occurrence(api: Api, scope: str) -> None:
    for pair in range(PAIRS // 4):
        series = await tuesday_class(api, f"pair-{pair}")
        march = instance_id(series["_id"], MARCH_5)
        read = (await api.session(march))["revision"]
        tags = [f"{editor}-{pair}" for editor in EDITORS]
        answers = await asyncio.gather(
            *(
                send(api, UPDATE, {"id": march, "info": {"tags": [tag]}, "options": options(scope, read)}, e)
                for tag, e in zip(tags, EDITORS, strict=True)
            )
        )
        won, winner = one_won(list(answers), "updateSession", read=read)
        assert won["tags"] == [tags[winner]]
        assert (await api.session(march))["tags"] == [tags[winner]]


@pytest.mark.parametrize("scope", ["THIS", "ALL"])
async def test_two_editors_deleting_one_occurrence(api: Api, scope: str) -> None:
    for pair in range(PAIRS // 4):
        series = await tuesday_class(api, f"pair-{pair}")
        march = instance_id(series["_id"], MARCH_5)
        variables = {"id": march, "options": options(scope, 1)}
        answers = await asyncio.gather(*(send(api, DELETE, variables, editor) for editor in EDITORS))
        won, _ = one_won(list(answers), "deleteSession", read=1)
        assert won["status"] == "CANCELLED"


async def test_an_exceptions_editors_race_on_the_revision_it_showed(api: Api) -> None:
    """An instance with its own exception shows more than its series: the loser is told that."""
    series = await tuesday_class(api)
    march = instance_id(series["_id"], MARCH_5)
    await api.data(UPDATE, {"id": march, "info": {"tags": ["own"]}})
    read = (await api.session(march))["revision"]
    assert read == 2
    variables = {"id": march, "info": {"tags": ["all"]}, "options": options("ALL", read)}
    answers = await asyncio.gather(*(send(api, UPDATE, variables, editor) for editor in EDITORS))
    one_won(list(answers), "updateSession", read=read)
    lost = next(answer["errors"][0] for answer in answers if answer.get("errors"))
    assert lost["extensions"]["currentRevision"] == (await api.session(march))["revision"]


async def test_a_retried_split_answers_what_the_first_did(api: Api) -> None:
    for expected in (1, None):
        series = await tuesday_class(api, schedule := f"expecting-{expected}")
        march = instance_id(series["_id"], MARCH_5)
        request = split(march, "mine", expected)
        first = (await send(api, UPDATE, request, "editor-a"))["data"]["updateSession"]
        again = await send(api, UPDATE, request, "editor-a")  # its answer was lost: sent once more
        assert "errors" not in again, again
        assert again["data"]["updateSession"] == first
        assert (await occurrence_now(api, schedule))["_id"] == first["_id"]


async def test_another_editors_split_after_a_split_is_not_taken_for_a_retry(api: Api) -> None:
    """With `expectedRevision` it is stale; without, it applies where the occurrence went."""
    series = await tuesday_class(api, schedule := "schedule-1")
    march = instance_id(series["_id"], MARCH_5)
    first = (await send(api, UPDATE, split(march, "a", 1), "editor-a"))["data"]["updateSession"]
    stale = (await send(api, UPDATE, split(march, "a", 1, minute=45), "editor-b"))["errors"][0]
    assert stale["extensions"]["code"] == "CONFLICT"
    assert stale["extensions"]["currentRevision"] > 1
    assert stale["extensions"]["movedTo"] == first["_id"]  # where to re-read it
    assert (await occurrence_now(api, schedule))["tags"] == ["a"]
    later = (await send(api, UPDATE, split(march, "b", None, minute=45), "editor-b"))["data"]
    assert later["updateSession"]["tags"] == ["b"]
    now = await occurrence_now(api, schedule)
    assert (now["tags"], now["start"]["localDateTime"]["minutesOfHour"]) == (["b"], 45)
    assert first["_id"] != instance_id(series["_id"], MARCH_5)


async def test_a_retried_end_answers_what_the_first_did(api: Api) -> None:
    for expected in (1, None):
        series = await tuesday_class(api, f"expecting-{expected}")
        march = instance_id(series["_id"], MARCH_5)
        request = {"id": march, "options": options("THIS_AND_FOLLOWING", expected)}
        first = (await send(api, DELETE, request, "editor-a"))["data"]["deleteSession"]
        again = await send(api, DELETE, request, "editor-a")
        assert "errors" not in again, again
        assert again["data"]["deleteSession"] == first
        assert first["_id"] == series["_id"] and "UNTIL=" in first["recurrence"]
        # Another editor's end of the same occurrence is stale (nothing to move to), not a retry.
        other = (await send(api, DELETE, request, "editor-b"))["errors"][0]
        assert other["extensions"]["code"] == ("NOT_FOUND" if expected is None else "CONFLICT")
        assert "movedTo" not in other["extensions"]


async def test_a_retried_split_of_a_started_occurrence_answers_what_the_first_did(api: Api) -> None:
    """Named a past occurrence, the split happened at the first that had not started: the retry
    still finds it, though the named occurrence stayed in the original (whose revision moved)."""
    today = datetime.now(ZoneInfo(SERIES_ZONE)).date()
    for expected in (1, None):
        series = await api.create_series(
            rule="FREQ=DAILY", first=today - timedelta(weeks=1), hours=(0, 1), scheduleId=f"daily-{expected}"
        )
        past = instance_id(series["_id"], today - timedelta(days=3))
        request = {
            "id": past,
            "info": {"tags": ["later"]},
            "options": options("THIS_AND_FOLLOWING", expected),
        }
        first = await send(api, UPDATE, request, "editor-a")
        assert "errors" not in first, first
        assert first["data"]["updateSession"]["recurringSessionId"] != series["_id"]
        again = await send(api, UPDATE, request, "editor-a")
        assert "errors" not in again, again
        assert again["data"]["updateSession"] == first["data"]["updateSession"]


async def test_a_date_that_never_was_an_occurrence_stays_not_found(api: Api) -> None:
    """Only an occurrence another edit took out of its series is a stale edit; a made-up id is not."""
    series = await tuesday_class(api)
    wednesday = instance_id(series["_id"], MARCH_5 + timedelta(days=8))
    march = instance_id(series["_id"], MARCH_5)
    await send(api, UPDATE, split(march, "a", 1), "editor-a")
    following = options("THIS_AND_FOLLOWING", 1)
    update = {"id": wednesday, "info": {"tags": ["b"]}, "options": following}
    for query, variables in ((UPDATE, update), (DELETE, {"id": wednesday, "options": following})):
        error = (await send(api, query, variables, "editor-b"))["errors"][0]
        assert error["extensions"]["code"] == "NOT_FOUND", error
