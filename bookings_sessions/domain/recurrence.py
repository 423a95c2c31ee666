"""Weekly recurrence: the supported RRULE subset, expansion in local wall time, instance ids.

Pure logic, no I/O. Occurrences are expanded on *naive local* datetimes so a series keeps its wall-clock
time across DST changes; the zone is attached only to compute UTC instants (window filter, UNTIL).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import WEEKLY, rrule

from .errors import BadUserInput
from .timezones import to_utc

DAYS: tuple[str, ...] = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_DAY_INDEX = {day: i for i, day in enumerate(DAYS)}  # same numbering as date.weekday() and dateutil
MAX_INTERVAL = 1000  # ~19 years; larger values are almost surely typos and only cost work
_MAX_RRULE_LENGTH = 512
_UNTIL_RE = re.compile(r"(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z")
_INSTANCE_PREFIX = "i_"
_URL_SAFE_RE = re.compile(r"[A-Za-z0-9_-]+")
_MAX_INSTANCE_ID_LENGTH = 1024


@dataclass(frozen=True, slots=True)
class RecurrenceRule:
    """A validated `FREQ=WEEKLY` rule. Construction normalises `by_day` and `until`."""

    interval: int = 1
    by_day: tuple[str, ...] = ()
    until: datetime | None = None  # aware UTC, inclusive (RFC 5545)

    def __post_init__(self) -> None:
        # Invariant violations here are programming errors: user text goes through parse_rrule first.
        if isinstance(self.interval, bool) or not isinstance(self.interval, int):
            raise ValueError("interval must be an int")
        if not 1 <= self.interval <= MAX_INTERVAL:
            raise ValueError(f"interval must be between 1 and {MAX_INTERVAL}")
        unknown = [d for d in self.by_day if d not in _DAY_INDEX]
        if unknown or not self.by_day:
            raise ValueError(f"by_day must be a non-empty subset of {DAYS}, got {self.by_day!r}")
        object.__setattr__(self, "by_day", tuple(d for d in DAYS if d in self.by_day))
        if self.until is not None:
            if self.until.tzinfo is None or self.until.utcoffset() is None:
                raise ValueError("until must be an aware datetime")
            # RRULE text has whole seconds; occurrences are whole seconds too, so flooring keeps
            # exactly the same occurrences and makes parse(to_rrule()) a true round trip.
            object.__setattr__(self, "until", self.until.astimezone(UTC).replace(microsecond=0))

    def to_rrule(self) -> str:
        parts = ["FREQ=WEEKLY", f"INTERVAL={self.interval}", "BYDAY=" + ",".join(self.by_day)]
        if self.until is not None:
            u = self.until  # explicit zero padding: strftime("%Y") does not pad years < 1000
            parts.append(
                f"UNTIL={u.year:04d}{u.month:02d}{u.day:02d}T{u.hour:02d}{u.minute:02d}{u.second:02d}Z"
            )
        return ";".join(parts)


def _short(value: str) -> str:
    # Error messages echo user input; keep them readable when the input is huge.
    return value if len(value) <= 40 else value[:37] + "..."


def parse_rrule(text: str, field: str = "recurrence") -> RecurrenceRule:
    """Parse the supported RRULE subset; anything else raises BadUserInput naming the culprit."""

    def bad(message: str) -> BadUserInput:
        return BadUserInput(message, field=field)

    body = text.strip()
    if len(body) > _MAX_RRULE_LENGTH:
        raise bad(f"RRULE is longer than {_MAX_RRULE_LENGTH} characters")
    if body[:6].upper() == "RRULE:":
        body = body[6:]
    if not body:
        raise bad("RRULE is empty")

    values: dict[str, str] = {}
    for part in body.split(";"):
        keyword, sep, value = part.partition("=")
        keyword = keyword.strip().upper()
        value = value.strip().upper()
        if not sep or not keyword:
            raise bad(f"malformed RRULE part {_short(part)!r}, expected KEYWORD=VALUE")
        if keyword not in ("FREQ", "INTERVAL", "UNTIL", "BYDAY"):
            raise bad(f"unsupported RRULE keyword {_short(keyword)}")
        if keyword in values:
            raise bad(f"duplicate RRULE keyword {keyword}")
        values[keyword] = value

    freq = values.get("FREQ")
    if freq is None:
        raise bad("RRULE keyword FREQ is required (FREQ=WEEKLY)")
    if freq != "WEEKLY":
        raise bad(f"unsupported FREQ value {_short(freq)}, only WEEKLY is supported")

    interval = 1
    if "INTERVAL" in values:
        raw = values["INTERVAL"]
        if not raw.isascii() or not raw.isdigit() or len(raw) > 6 or not 1 <= int(raw) <= MAX_INTERVAL:
            raise bad(f"invalid INTERVAL value {_short(raw)!r}, expected an integer 1..{MAX_INTERVAL}")
        interval = int(raw)

    if "BYDAY" not in values:
        raise bad("RRULE keyword BYDAY is required (e.g. BYDAY=MO,WE)")
    days = values["BYDAY"].split(",")
    for day in days:
        if day.strip() not in _DAY_INDEX:
            raise bad(f"unsupported BYDAY value {_short(day)!r}, expected MO, TU, WE, TH, FR, SA or SU")

    until: datetime | None = None
    if "UNTIL" in values:
        raw = values["UNTIL"]
        match = _UNTIL_RE.fullmatch(raw)
        try:
            if match is None:
                raise ValueError(raw)
            y, mo, d, h, mi, sec = (int(g) for g in match.groups())
            until = datetime(y, mo, d, h, mi, sec, tzinfo=UTC)
        except ValueError:
            raise bad(f"invalid UNTIL value {_short(raw)!r}, expected UTC form YYYYMMDDTHHMMSSZ") from None

    # Duplicate days are harmless (a set), so they are folded rather than rejected.
    return RecurrenceRule(interval=interval, by_day=tuple(d.strip() for d in days), until=until)


def _week_monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _week_index(first_start: datetime, day: date) -> int:
    """Weeks between first_start's week and day's week (Monday-start weeks, dateutil's WKST=MO)."""
    return (_week_monday(day) - _week_monday(first_start.date())).days // 7


def _normalise_start(first_start: datetime) -> datetime:
    if first_start.tzinfo is not None:
        raise ValueError("first_start must be a naive local datetime")
    # dateutil drops microseconds from dtstart; do the same everywhere so the functions agree.
    return first_start.replace(microsecond=0)


def occurrences(
    rule: RecurrenceRule,
    first_start: datetime,
    zone: ZoneInfo,
    window_from: datetime,
    window_to: datetime,
) -> Iterator[datetime]:
    """Naive local starts whose UTC instant s satisfies window_from <= s < window_to, ascending."""
    if window_from.tzinfo is None or window_to.tzinfo is None:
        raise ValueError("window bounds must be aware datetimes")
    first_start = _normalise_start(first_start)
    if window_from >= window_to or (rule.until is not None and rule.until < window_from):
        return

    # Re-anchor dtstart near the window so far-future windows cost O(window), not O(series age).
    # Start one day before the window's local date: a gap time (fold=0) maps to a later instant than
    # its wall time suggests, and zone offsets are under a day, so no occurrence in the window is missed.
    # Snapping to a Monday on the INTERVAL grid keeps dateutil's week numbering; a Monday dtstart
    # makes that whole week eligible, which matches the original series for every week after its first.
    try:
        local_from = window_from.astimezone(zone).replace(tzinfo=None) - timedelta(days=1)
    except OverflowError:  # window_from at the very edge of datetime's range (e.g. datetime.min)
        if window_from.year > 1:
            return
        local_from = datetime.min
    weeks = _week_index(first_start, local_from.date())
    weeks -= weeks % rule.interval
    dtstart = first_start
    if weeks > 0:
        monday = _week_monday(first_start.date()) + timedelta(weeks=weeks)
        dtstart = datetime.combine(monday, first_start.time())

    expansion = rrule(
        WEEKLY,
        dtstart=dtstart,
        interval=rule.interval,
        byweekday=[_DAY_INDEX[d] for d in rule.by_day],
    )
    # Wall times a day or more inside the window (and before UNTIL) are inside it whatever the zone's
    # offset changes do, so only occurrences near an edge pay for the exact UTC conversion.
    safe_from, safe_to = _local_bound(window_from, zone, 1), _local_bound(window_to, zone, -1)
    if rule.until is not None:
        safe_to = min(safe_to, _local_bound(rule.until, zone, -1))
    # Same wall time on different days ⇒ UTC instants are strictly increasing (offset changes are
    # far below 24 h), so the first instant past the window or UNTIL ends the series.
    for local in expansion:
        if safe_from <= local < safe_to:
            yield local
            continue
        try:
            instant = to_utc(local, zone)
        except OverflowError:  # beyond year 9999 in UTC: past any representable window or UNTIL
            return
        if instant >= window_to or (rule.until is not None and instant > rule.until):
            return
        if instant >= window_from:
            yield local


def _local_bound(instant: datetime, zone: ZoneInfo, days: int) -> datetime:
    """The instant's wall time shifted by `days`, clamped to datetime's range."""
    try:
        return instant.astimezone(zone).replace(tzinfo=None) + timedelta(days=days)
    except OverflowError:
        return datetime.max if days > 0 else datetime.min


def is_occurrence(
    rule: RecurrenceRule, first_start: datetime, zone: ZoneInfo, local_date: date
) -> datetime | None:
    """The naive local start of the occurrence on local_date, or None if that date has none."""
    first_start = _normalise_start(first_start)
    if local_date < first_start.date() or DAYS[local_date.weekday()] not in rule.by_day:
        return None
    if _week_index(first_start, local_date) % rule.interval:
        return None
    start = datetime.combine(local_date, first_start.time())
    if rule.until is not None:
        try:
            if to_utc(start, zone) > rule.until:
                return None
        except OverflowError:  # beyond year 9999 in UTC, so after any UNTIL
            return None
    return start


def instance_id(series_id: str, local_date: date) -> str:
    """Opaque, URL-safe id of one occurrence; keyed by local date so time-of-day edits keep it stable."""
    if not series_id or "|" in series_id:
        raise ValueError("series_id must be non-empty and must not contain '|'")
    return _encode_instance_id(series_id, local_date)


def _encode_instance_id(series_id: str, local_date: date) -> str:
    d = local_date  # explicit zero padding: strftime("%Y") does not pad years < 1000
    raw = f"{series_id}|{d.year:04d}{d.month:02d}{d.day:02d}".encode()
    return _INSTANCE_PREFIX + base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def parse_instance_id(instance_id: str) -> tuple[str, date] | None:
    """Inverse of instance_id; None (never an exception) for anything that is not one."""
    if not isinstance(instance_id, str) or len(instance_id) > _MAX_INSTANCE_ID_LENGTH:
        return None
    if not instance_id.startswith(_INSTANCE_PREFIX):
        return None
    payload = instance_id[len(_INSTANCE_PREFIX) :]
    if not _URL_SAFE_RE.fullmatch(payload):
        return None
    try:
        text = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    series_id, sep, day = text.partition("|")
    if not sep or not series_id or "|" in day or len(day) != 8 or not day.isascii() or not day.isdigit():
        return None
    try:
        local_date = date(int(day[:4]), int(day[4:6]), int(day[6:]))
    except ValueError:
        return None
    # Only the canonical spelling is accepted, so each occurrence has exactly one id.
    if _encode_instance_id(series_id, local_date) != instance_id:
        return None
    return series_id, local_date
