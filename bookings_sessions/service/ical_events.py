"""Reading an iCalendar file (RFC 5545, with `icalendar`) into one `EventGroup` per UID, or an
`ImportFailure` with a code for an event that cannot be taken. What is read how: docs/import.md.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from icalendar import Calendar, Component

from ..domain.errors import BadUserInput
from ..domain.recurrence import MAX_COUNT

MAX_EVENTS = 1000  # VEVENTs in one import


@dataclass(frozen=True)
class ImportFailure:
    uid: str | None
    code: str
    message: str


class EventError(Exception):
    """An event that cannot be taken: its code and why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Override:
    """An overriding VEVENT: the occurrence it replaces (`recurrence_id`) and what it shows there."""

    recurrence_id: datetime | date
    info: dict[str, Any]  # start, end, title
    cancelled: bool


@dataclass
class EventGroup:
    uid: str
    info: dict[str, Any] | None = None  # the session (or series) to have; None: overrides alone
    overrides: list[Override] = field(default_factory=list)


def read_calendar(ics: str, business_zone: str) -> tuple[list[EventGroup], list[ImportFailure]]:
    """The events of `ics`, by UID in file order, and the failures of those that cannot be taken.
    A file that is not iCalendar, or has more than MAX_EVENTS events, is BadUserInput (field `ics`)."""
    try:
        calendars = Calendar.from_ical(ics, multiple=True)
    except ValueError as error:
        raise BadUserInput(f"not an iCalendar file: {str(error)[:200]}", field="ics") from None
    events = [event for calendar in calendars for event in calendar.walk("VEVENT")]
    if len(events) > MAX_EVENTS:
        raise BadUserInput(f"at most {MAX_EVENTS} events per import, got {len(events)}", field="ics")
    groups: dict[str, EventGroup] = {}
    failures: list[ImportFailure] = []
    failed: set[str] = set()  # UIDs whose main event failed: their overrides go with it
    for event in events:
        uid = str(_prop(event, "UID", "")).strip() or None
        try:
            if uid is None:
                raise EventError("MISSING_UID", "the event has no UID, which an import is keyed by")
            _read_into(groups.setdefault(uid, EventGroup(uid=uid)), event, business_zone)
        except EventError as error:
            failures.append(ImportFailure(uid=uid, code=error.code, message=error.message))
            if uid is not None and "RECURRENCE-ID" not in event:
                failed.add(uid)
    return [group for uid, group in groups.items() if uid not in failed], failures


def _prop(event: Component, name: str, default: Any = None) -> Any:
    # icalendar's property types are a wide union; each use here knows what its property holds.
    return event.get(name, default)


def _read_into(group: EventGroup, event: Component, business_zone: str) -> None:
    start, end = _times(event, business_zone)
    info: dict[str, Any] = {"start": start, "end": end, "title": _title(event)}
    all_day = _is_all_day(event)
    cancelled = str(_prop(event, "STATUS", "")).upper() == "CANCELLED"
    if "RECURRENCE-ID" in event:
        recurrence_id = _prop(event, "RECURRENCE-ID")
        if str(recurrence_id.params.get("RANGE", "")).upper() == "THISANDFUTURE":
            raise EventError("UNSUPPORTED_RANGE", "RECURRENCE-ID;RANGE=THISANDFUTURE is not supported")
        group.overrides.append(Override(recurrence_id.dt, info, cancelled))
        return
    if group.info is not None:
        raise EventError("DUPLICATE_UID", "two events without RECURRENCE-ID share this UID")
    if all_day:  # an occurrence follows its series'; only the main event says so
        info["all_day"] = True
    info["status"] = "CANCELLED" if cancelled else "CONFIRMED"
    location = str(_prop(event, "LOCATION", "")).strip()
    if location:
        info["location"] = {"type": "CUSTOM", "name": location[:200]}
    recurrence = _recurrence(event, business_zone)
    if recurrence is not None:
        info["recurrence"] = recurrence
        _start_at_first_kept(info, event, business_zone)
    group.info = info


def _start_at_first_kept(info: dict[str, Any], event: Component, business_zone: str) -> None:
    """Calendar apps keep DTSTART when its occurrence is deleted and list it in EXDATE; a series here
    starts at its first occurrence, so the start moves to the first one not excluded, and a COUNT is
    lowered by those skipped (RFC 5545 counts excluded occurrences), which keeps the same set."""
    start = _start(event)
    zone = ZoneInfo(_zone_name(start, business_zone))
    start = start.replace(tzinfo=zone) if start.tzinfo is None else start.astimezone(zone)
    excluded = {_local_date(item.dt, zone) for prop in _list(_prop(event, "EXDATE", [])) for item in prop.dts}
    if start.date() not in excluded:
        return
    lines = info["recurrence"].split("\n")
    rule = rrulestr(lines[0].removeprefix("RRULE:"), dtstart=start, cache=False)
    skipped = 0
    for occurrence in itertools.islice(rule, MAX_COUNT):
        if occurrence.date() not in excluded:
            break
        skipped += 1
    else:
        raise EventError("UNSUPPORTED_RULE", "EXDATE takes out every occurrence of the rule")
    count = re.search(r"COUNT=(\d+)", lines[0])
    if count is not None:
        lines[0] = lines[0].replace(count.group(0), f"COUNT={int(count.group(1)) - skipped}")
    info["recurrence"] = "\n".join(lines)
    if info.get("all_day"):  # whole days: as many local days from the new first date
        days = _aware(info["end"]).date() - _aware(info["start"]).date()
        info["start"] = _wall_time(occurrence, zone.key)
        info["end"] = _wall_time(occurrence.replace(tzinfo=None) + days, zone.key)
        return
    duration = _aware(info["end"]) - _aware(info["start"])
    info["start"] = _wall_time(occurrence, zone.key)
    info["end"] = _wall_time((occurrence + duration).astimezone(zone), zone.key)


def _local_date(value: datetime | date, zone: ZoneInfo) -> date:
    if not isinstance(value, datetime):
        return value
    return value.date() if value.tzinfo is None else value.astimezone(zone).date()


def _aware(wall: dict[str, Any]) -> datetime:
    local = wall["local_date_time"]
    naive = datetime(
        local["year"],
        local["month_of_year"],
        local["day_of_month"],
        local["hour_of_day"],
        local["minutes_of_hour"],
    )
    return naive.replace(tzinfo=ZoneInfo(wall["time_zone"]))


def _title(event: Component) -> str | None:
    summary = str(_prop(event, "SUMMARY", "")).strip()
    return summary[:200] or None


def _is_all_day(event: Component) -> bool:
    return not isinstance(_prop(event, "DTSTART").dt, datetime)


def _start(event: Component) -> datetime:
    """DTSTART as a date-time: an all-day event's date at midnight, floating (the business' day)."""
    start = _prop(event, "DTSTART").dt
    return start if isinstance(start, datetime) else datetime.combine(start, time())


def _all_day_times(event: Component, business_zone: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """An all-day event (DTSTART;VALUE=DATE): whole days in the business zone, from midnight to the
    midnight after its last day (DTEND is exclusive; no DTEND or DURATION is one day, RFC 5545)."""
    first: date = _prop(event, "DTSTART").dt
    if "DTEND" in event:
        last = _prop(event, "DTEND").dt
        if isinstance(last, datetime):
            raise EventError("INVALID_EVENT", "DTEND is a date-time while DTSTART is a date")
    elif "DURATION" in event and isinstance(_prop(event, "DURATION").dt, timedelta):
        last = first + timedelta(days=_prop(event, "DURATION").dt.days)
    else:
        last = first + timedelta(days=1)
    return (
        _wall_time(datetime.combine(first, time()), business_zone),
        _wall_time(datetime.combine(last, time()), business_zone),
    )


def _times(event: Component, business_zone: str) -> tuple[dict[str, Any], dict[str, Any]]:
    if "DTSTART" not in event:
        raise EventError("MISSING_DTSTART", "the event has no DTSTART")
    if _is_all_day(event):
        return _all_day_times(event, business_zone)
    start = _prop(event, "DTSTART").dt
    if "DTEND" in event:
        end = _prop(event, "DTEND").dt
        if not isinstance(end, datetime):
            raise EventError("INVALID_EVENT", "DTEND is a date while DTSTART is a date-time")
    elif "DURATION" in event and isinstance(_prop(event, "DURATION").dt, timedelta):
        end = start + _prop(event, "DURATION").dt
    else:
        raise EventError("MISSING_END", "the event has neither DTEND nor DURATION")
    zone = _zone_name(start, business_zone)
    end_zone = _zone_name(end, business_zone)
    return _wall_time(start, zone), _wall_time(end, end_zone)


def _zone_name(value: datetime, business_zone: str) -> str:
    if value.tzinfo is None:
        return business_zone  # floating: the business' wall time
    key = getattr(value.tzinfo, "key", None)
    if isinstance(key, str) and key:
        return key
    if value.utcoffset() == timedelta(0) and value.tzname() in ("UTC", "Z", "GMT"):
        return "UTC"
    raise EventError("UNSUPPORTED_TIMEZONE", f"time zone {value.tzname()!r} is not an IANA zone")


def _wall_time(value: datetime, zone: str) -> dict[str, Any]:
    local = value.replace(tzinfo=None)
    if value.tzinfo is not None and getattr(value.tzinfo, "key", None) != zone:
        local = value.astimezone(UTC).replace(tzinfo=None)  # a UTC value named otherwise
    return {
        "local_date_time": {
            "year": local.year,
            "month_of_year": local.month,
            "day_of_month": local.day,
            "hour_of_day": local.hour,
            "minutes_of_hour": local.minute,
        },
        "time_zone": zone,
    }


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _recurrence(event: Component, business_zone: str) -> str | None:
    """The `recurrence` text: the RRULE (UNTIL in UTC, WKST dropped where it changes nothing, BYDAY
    from DTSTART for a WEEKLY rule without one), then the EXDATE and RDATE values."""
    rules = _list(_prop(event, "RRULE", []))
    if not rules:
        if "RDATE" in event or "EXDATE" in event:
            raise EventError("UNSUPPORTED_RULE", "RDATE/EXDATE without an RRULE is not supported")
        return None
    if len(rules) > 1:
        raise EventError("UNSUPPORTED_RULE", "more than one RRULE in an event is not supported")
    start = _start(event)
    zone = _zone_name(start, business_zone)
    lines = [f"RRULE:{_rule_text(rules[0], start, zone)}"]
    for name in ("EXDATE", "RDATE"):
        values = [item.dt for prop in _list(event.get(name, [])) for item in prop.dts]
        if values:
            lines.append(f"{name}:" + ",".join(_date_text(value, start, zone) for value in values))
    return "\n".join(lines)


def _rule_text(rule: Any, start: datetime, zone: str) -> str:
    parts = {key.upper(): list(values) for key, values in rule.items()}
    wkst = [str(v).upper() for v in parts.pop("WKST", [])]
    weekly_grid = parts.get("FREQ", [""])[0] == "WEEKLY" and int(parts.get("INTERVAL", [1])[0]) > 1
    if wkst and wkst != ["MO"] and weekly_grid:
        raise EventError(
            "UNSUPPORTED_RULE", f"WKST={wkst[0]} with a weekly INTERVAL above 1 is not supported"
        )
    if parts.get("FREQ", [""])[0] == "WEEKLY" and "BYDAY" not in parts:
        parts["BYDAY"] = [("MO", "TU", "WE", "TH", "FR", "SA", "SU")[start.weekday()]]
    if "UNTIL" in parts:
        parts["UNTIL"] = [_until_text(parts["UNTIL"][0], zone)]
    return str(rule.__class__(parts).to_ical().decode())


def _local_in(value: datetime | date, zone: str) -> datetime:
    """A value as an aware instant: dates at the end of that day, floating values in the event's zone."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(23, 59, 59))
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(zone))
    return value


def _until_text(value: datetime | date, zone: str) -> str:
    u = _local_in(value, zone).astimezone(UTC)
    return f"{u.year:04d}{u.month:02d}{u.day:02d}T{u.hour:02d}{u.minute:02d}{u.second:02d}Z"


def _date_text(value: datetime | date, start: datetime, zone: str) -> str:
    if not isinstance(value, datetime):
        value = datetime.combine(value, start.time())  # the event's time of day on that date
    if value.tzinfo is None:
        return _compact(value)  # floating: the series' own zone
    u = value.astimezone(UTC)
    return _compact(u.replace(tzinfo=None)) + "Z"


def _compact(value: datetime) -> str:
    day = f"{value.year:04d}{value.month:02d}{value.day:02d}"
    return f"{day}T{value.hour:02d}{value.minute:02d}{value.second:02d}"


def occurrence_date(recurrence_id: datetime | date, zone: str) -> date:
    """The local date, in the series' zone, of the occurrence a RECURRENCE-ID names."""
    if not isinstance(recurrence_id, datetime):
        return recurrence_id
    if recurrence_id.tzinfo is None:
        return recurrence_id.date()
    return recurrence_id.astimezone(ZoneInfo(zone)).date()
