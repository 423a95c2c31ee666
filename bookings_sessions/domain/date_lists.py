"""EXDATE and RDATE lines next to an RRULE (RFC 5545 §3.8.5): reading and spelling their values, kept as given
(aware, naive or a date) until `recurrence.with_local_dates` makes them wall times in the series' zone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from .errors import BadUserInput
from .timezones import RANGE_TEXT, date_in_range, zone_or_error

DateValue = datetime | date
NAMES = ("EXDATE", "RDATE")
MAX_DATES = 1000  # per kind (EXDATE or RDATE), across its lines
_VALUE_RE = re.compile(r"(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z)?)?")
_VALUE_TYPES = ("DATE-TIME", "DATE")


def short(value: str) -> str:
    # Error messages echo user input; keep them readable when the input is huge.
    return value if len(value) <= 40 else value[:37] + "..."


def line_name(line: str) -> str:
    return re.split(r"[:;=]", line, maxsplit=1)[0].strip().upper()


def _params(name: str, head: list[str], bad: Callable[[str], BadUserInput]) -> tuple[ZoneInfo | None, bool]:
    zone: ZoneInfo | None = None
    is_date = False
    for param in head:
        key, _, value = param.partition("=")
        key, value = key.strip().upper(), value.strip().strip('"')
        if key == "TZID":
            try:
                zone = zone_or_error(value, "recurrence")
            except BadUserInput:
                raise bad(f"{name}: unknown time zone {short(value)!r}") from None
        elif key == "VALUE" and value.upper() in _VALUE_TYPES:
            is_date = value.upper() == "DATE"
        elif key == "VALUE":
            raise bad(f"{name};VALUE={short(value)} is not supported, expected DATE-TIME or DATE")
        else:
            raise bad(f"unsupported {name} parameter {short(key)}")
    return zone, is_date


def _value(
    name: str, raw: str, zone: ZoneInfo | None, is_date: bool, bad: Callable[[str], BadUserInput]
) -> DateValue:
    match = _VALUE_RE.fullmatch(raw.strip().upper())
    expected = "YYYYMMDD (VALUE=DATE)" if is_date else "YYYYMMDDTHHMMSS, or UTC YYYYMMDDTHHMMSSZ"
    if match is None or (match.group(4) is None) != is_date or (match.group(7) and zone is not None):
        raise bad(f"invalid {name} value {short(raw)!r}, expected {expected}")
    y, mo, d, h, mi, sec = (int(g or 0) for g in match.groups()[:6])
    try:
        value: DateValue = date(y, mo, d) if is_date else datetime(y, mo, d, h, mi, sec)
    except ValueError:
        raise bad(f"invalid {name} value {short(raw)!r}, expected {expected}") from None
    if not date_in_range(day_of(value)):
        raise bad(f"{name} value {short(raw)!r} is outside {RANGE_TEXT}")
    if isinstance(value, datetime) and match.group(7):
        return value.replace(tzinfo=UTC)
    if isinstance(value, datetime) and zone is not None:
        return value.replace(tzinfo=zone)
    return value


def parse_line(line: str, bad: Callable[[str], BadUserInput]) -> tuple[str, tuple[DateValue, ...]]:
    """`EXDATE[;TZID=zone][;VALUE=DATE]:v1,v2,…` → (name, values)."""
    head, sep, body = line.partition(":")
    name, *params = head.split(";")
    name = name.strip().upper()
    if not sep or not body.strip():
        raise bad(f"malformed {name} line, expected {name}[;TZID=zone]:YYYYMMDDTHHMMSS[,…]")
    zone, is_date = _params(name, params, bad)
    values = body.split(",")
    if len(values) > MAX_DATES:
        raise bad(f"at most {MAX_DATES} {name} values")
    return name, tuple(_value(name, raw, zone, is_date, bad) for raw in values)


def as_local(value: DateValue, zone: ZoneInfo, tzid: str | None, time_of_day: datetime) -> datetime:
    """A value as a wall time in `zone`: a date at the series' time of day, an aware value converted,
    a naive one read in `tzid` (floating when None: already the series' wall time)."""
    if not isinstance(value, datetime):
        return datetime.combine(value, time_of_day.time())
    if value.tzinfo is None and tzid is not None and tzid != zone.key:
        value = value.replace(tzinfo=ZoneInfo(tzid))
    return value if value.tzinfo is None else value.astimezone(zone).replace(tzinfo=None)


def _text(value: DateValue) -> str:
    if not isinstance(value, datetime):
        return f"{value.year:04d}{value.month:02d}{value.day:02d}"
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    stamp = f"{_text(value.date())}T{value.hour:02d}{value.minute:02d}{value.second:02d}"
    return stamp + ("Z" if value.tzinfo is not None else "")


def sort_key(value: DateValue) -> tuple[int, str]:
    kind = (
        0 if isinstance(value, datetime) and value.tzinfo is None else 1 if isinstance(value, datetime) else 2
    )
    return kind, _text(value)


def spell(name: str, values: Iterable[DateValue], tzid: str | None) -> list[str]:
    """Lines for the values: wall times with `;TZID=` (one line once localised), UTC with `Z`, dates
    with `;VALUE=DATE`, each group sorted."""
    groups: dict[str, list[str]] = {}
    for value in sorted(values, key=sort_key):
        if not isinstance(value, datetime):
            head = f"{name};VALUE=DATE"
        elif value.tzinfo is None and tzid is not None:
            head = f"{name};TZID={tzid}"
        else:
            head = name
        groups.setdefault(head, []).append(_text(value))
    return [f"{head}:{','.join(texts)}" for head, texts in groups.items()]


def day_of(value: DateValue) -> date:
    return value.date() if isinstance(value, datetime) else value
