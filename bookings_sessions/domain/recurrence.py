"""Recurrence rules: the supported RRULE subset with EXDATE/RDATE lines, expansion in local wall time (so a
series keeps its clock time across DST) from the period nearest the window, and instance ids
(docs/design.md §2).
"""

from __future__ import annotations

import dataclasses
import heapq
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.rrule import DAILY, MONTHLY, WEEKLY, YEARLY, rrule, weekday

from . import unpadded_base64
from .bounded_rrule import HorizonReached, HorizonSearch
from .date_lists import MAX_DATES, DateValue, as_local, day_of, line_name, parse_line, short, sort_key, spell
from .errors import BadUserInput
from .timezones import to_utc, zone_or_error

DAYS: tuple[str, ...] = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_DAY_INDEX = {day: i for i, day in enumerate(DAYS)}  # same numbering as date.weekday() and dateutil
FREQUENCIES: dict[str, int] = {"DAILY": DAILY, "WEEKLY": WEEKLY, "MONTHLY": MONTHLY, "YEARLY": YEARLY}
KEYWORDS = ("FREQ", "INTERVAL", "UNTIL", "COUNT", "BYDAY", "BYMONTHDAY", "BYMONTH", "BYSETPOS")
MAX_INTERVAL = 1000  # ~19 years of weeks; larger values are almost surely typos and only cost work
MAX_COUNT = 1000
# Largest |ordinal| of a BYDAY entry: the 5th weekday of a month, the 53rd of a year.
_MAX_ORDINAL = {"MONTHLY": 5, "YEARLY": 53}
# A rule must produce an occurrence within this many years of its start to be accepted.
NO_OCCURRENCE_HORIZON_YEARS = 100
_MAX_RRULE_LENGTH = 512
# The whole `recurrence` text: the RRULE line and up to MAX_DATES values in each of EXDATE and RDATE.
MAX_RECURRENCE_LENGTH = 40_000
_UNTIL_RE = re.compile(r"(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z")
_BYDAY_RE = re.compile(r"([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)")
_INSTANCE_PREFIX = "i_"
_MAX_INSTANCE_ID_LENGTH = 1024


def _ordinal_limit(freq: str, by_month: bool) -> int:
    """Largest |n| of a BYDAY entry `nMO`: with BYMONTH a YEARLY ordinal counts within the month (RFC
    5545), and dateutil fails on one past the month's fifth week."""
    return _MAX_ORDINAL["MONTHLY"] if freq == "YEARLY" and by_month else _MAX_ORDINAL.get(freq, 0)


def _split_day(entry: str) -> tuple[int | None, str]:
    match = _BYDAY_RE.fullmatch(entry)
    if match is None:
        raise ValueError(f"bad BYDAY entry {entry!r}")
    ordinal = None if match.group(1) is None else int(match.group(1))
    return ordinal, match.group(2)


def _day_text(ordinal: int | None, day: str) -> str:
    return day if ordinal is None else f"{ordinal}{day}"


@dataclass(frozen=True, slots=True)
class RecurrenceRule:
    """A validated rule. Construction normalises the BY lists (sorted, no duplicates) and `until`.

    `by_day` entries are `MO` … `SU`, with an ordinal for MONTHLY/YEARLY (`1SA`, `-1FR`). `exdates` and
    `rdates` are the EXDATE/RDATE values (`date_lists`); once localised (`with_local_dates`) they are
    naive wall times in the zone `tzid`, and an EXDATE removes the occurrence on its local date.
    """

    interval: int = 1
    by_day: tuple[str, ...] = ()
    until: datetime | None = None  # aware UTC, inclusive (RFC 5545)
    freq: str = "WEEKLY"
    count: int | None = None
    by_month_day: tuple[int, ...] = ()
    by_month: tuple[int, ...] = ()
    by_set_pos: tuple[int, ...] = ()
    exdates: tuple[DateValue, ...] = ()
    rdates: tuple[DateValue, ...] = ()
    tzid: str | None = None

    def __post_init__(self) -> None:
        # Invariant violations here are programming errors: user text goes through parse_rrule first.
        if self.freq not in FREQUENCIES:
            raise ValueError(f"freq must be one of {tuple(FREQUENCIES)}")
        for name in ("interval", "count"):
            value = getattr(self, name)
            if value is None and name == "count":
                continue
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"{name} must be an int")
        if not 1 <= self.interval <= MAX_INTERVAL:
            raise ValueError(f"interval must be between 1 and {MAX_INTERVAL}")
        if self.count is not None and not 1 <= self.count <= MAX_COUNT:
            raise ValueError(f"count must be between 1 and {MAX_COUNT}")
        if self.count is not None and self.until is not None:
            raise ValueError("count and until are exclusive")
        days = sorted(
            {_split_day(entry) for entry in self.by_day}, key=lambda d: (_DAY_INDEX[d[1]], d[0] or 0)
        )
        if self.freq == "WEEKLY" and not days:
            raise ValueError("a WEEKLY rule needs by_day")
        limit = _ordinal_limit(self.freq, bool(self.by_month))
        if any(n is not None and not (n and abs(n) <= limit) for n, _ in days):
            raise ValueError(
                "by_day ordinals are allowed only in MONTHLY (±5) and YEARLY (±53; ±5 with by_month)"
            )
        object.__setattr__(self, "by_day", tuple(_day_text(n, d) for n, d in days))
        checks = (("by_month_day", 31), ("by_month", 12), ("by_set_pos", 366))
        for name, bound in checks:
            values = getattr(self, name)
            if any(isinstance(v, bool) or not isinstance(v, int) or not v or abs(v) > bound for v in values):
                raise ValueError(f"{name} values must be non-zero ints within ±{bound}")
            object.__setattr__(self, name, tuple(sorted(set(values))))
        if any(v < 0 for v in self.by_month):
            raise ValueError("by_month values must be 1..12")
        if self.by_month_day and self.freq == "WEEKLY":
            raise ValueError("by_month_day is not allowed in WEEKLY rules (RFC 5545)")
        if self.by_set_pos and not (self.by_day or self.by_month_day or self.by_month):
            raise ValueError("by_set_pos needs another BY part")
        if self.until is not None:
            if self.until.tzinfo is None or self.until.utcoffset() is None:
                raise ValueError("until must be an aware datetime")
            # RRULE text has whole seconds; occurrences are whole seconds too, so flooring keeps
            # exactly the same occurrences and makes parse(to_rrule()) a true round trip.
            object.__setattr__(self, "until", self.until.astimezone(UTC).replace(microsecond=0))
        for name in ("exdates", "rdates"):
            values = getattr(self, name)
            if len(values) > MAX_DATES:
                raise ValueError(f"at most {MAX_DATES} {name}")
            object.__setattr__(self, name, tuple(sorted(set(values), key=sort_key)))

    @property
    def has_dates(self) -> bool:
        return bool(self.exdates or self.rdates)

    def without_dates(self) -> RecurrenceRule:
        """The RRULE alone: what COUNT counts and what a series' first start is read from."""
        if not self.has_dates:
            return self
        return dataclasses.replace(self, exdates=(), rdates=(), tzid=None)

    def dates_within(self, since: date | None, before: date | None) -> RecurrenceRule:
        """The same rule keeping only the EXDATE/RDATE values on local dates in [since, before)."""

        def inside(value: DateValue) -> bool:
            day = day_of(value)
            return (since is None or day >= since) and (before is None or day < before)

        exdates = tuple(filter(inside, self.exdates))
        rdates = tuple(filter(inside, self.rdates))
        tzid = self.tzid if exdates or rdates else None
        return dataclasses.replace(self, exdates=exdates, rdates=rdates, tzid=tzid)

    def to_rrule(self) -> str:
        """The canonical spelling: the RRULE alone as before when there are no EXDATE/RDATE values;
        else `RRULE:<rule>`, then one `EXDATE;TZID=…:` and one `RDATE;TZID=…:` line, values sorted."""
        rule = self._rule_text()
        if not self.has_dates:
            return rule
        lines = [
            f"RRULE:{rule}",
            *spell("EXDATE", self.exdates, self.tzid),
            *spell("RDATE", self.rdates, self.tzid),
        ]
        return "\n".join(lines)

    def _rule_text(self) -> str:
        """FREQ, INTERVAL, BYMONTH, BYMONTHDAY, BYDAY, BYSETPOS, COUNT, UNTIL."""
        parts = [f"FREQ={self.freq}", f"INTERVAL={self.interval}"]
        for keyword, values in (
            ("BYMONTH", self.by_month),
            ("BYMONTHDAY", self.by_month_day),
            ("BYDAY", self.by_day),
            ("BYSETPOS", self.by_set_pos),
        ):
            if values:
                parts.append(f"{keyword}=" + ",".join(str(v) for v in values))
        if self.count is not None:
            parts.append(f"COUNT={self.count}")
        if self.until is not None:
            parts.append(f"UNTIL={until_text(self.until)}")
        return ";".join(parts)

    def bounded_by(self, until: datetime | None) -> RecurrenceRule:
        """The same pattern ending at `until` (COUNT dropped): how a series is ended or a COUNT frozen."""
        return dataclasses.replace(self, until=until, count=None)


def until_text(value: datetime) -> str:
    u = value.astimezone(UTC)  # explicit zero padding: strftime("%Y") does not pad years < 1000
    return f"{u.year:04d}{u.month:02d}{u.day:02d}T{u.hour:02d}{u.minute:02d}{u.second:02d}Z"


_short = short


def _int_list(keyword: str, raw: str, low: int, high: int, signed: bool, bad: Any) -> tuple[int, ...]:
    values = []
    for item in raw.split(","):
        text = item.strip()
        digits = text[1:] if signed and text[:1] in "+-" else text
        valid = bool(digits) and digits.isascii() and digits.isdigit() and len(digits) <= 3
        number = int(text) if valid else 0
        if not valid or not number or not low <= abs(number) <= high:
            expected = f"±{low}..{high}" if signed else f"{low}..{high}"
            raise bad(f"invalid {keyword} value {_short(item)!r}, expected integers {expected}")
        values.append(number)
    return tuple(values)


def _is_rule_line(line: str, name: str) -> bool:
    return name == "RRULE" or (line[len(name) : len(name) + 1] == "=" and name not in ("EXDATE", "RDATE"))


def _lines(text: str, bad: Any) -> tuple[str, tuple[DateValue, ...], tuple[DateValue, ...]]:
    """The RRULE line and the EXDATE/RDATE values given with it; any other iCalendar line (DTSTART…)
    is refused by name rather than read as part of the rule."""
    lines = [line.strip() for line in re.split(r"[\r\n]+", text) if line.strip()]
    names = [line_name(line) for line in lines]
    # The rule's line may come bare (`FREQ=…`): then its first name is followed by `=`.
    rules = [line for line, name in zip(lines, names, strict=True) if _is_rule_line(line, name)]
    others = sorted(
        {short(name) for line, name in zip(lines, names, strict=True) if not _is_rule_line(line, name)}
        - {"EXDATE", "RDATE"}
    )
    if len(rules) > 1 or others:
        unwanted = ", ".join(others) or "a second RRULE"
        raise bad(f"give the RRULE line, optionally with EXDATE and RDATE lines, without {unwanted}")
    if not rules and lines:
        raise bad("an RRULE line is required next to EXDATE/RDATE lines")
    dates: dict[str, list[DateValue]] = {"EXDATE": [], "RDATE": []}
    for line, name in zip(lines, names, strict=True):
        if name in dates:
            dates[name].extend(parse_line(line, bad)[1])
            if len(set(dates[name])) > MAX_DATES:
                raise bad(f"at most {MAX_DATES} {name} values")
    return (rules[0] if rules else text), tuple(dates["EXDATE"]), tuple(dates["RDATE"])


def parse_rrule(text: str, field: str = "recurrence") -> RecurrenceRule:
    """Parse the supported RRULE subset; anything else raises BadUserInput naming the culprit."""

    def bad(message: str) -> BadUserInput:
        return BadUserInput(message, field=field)

    body = text.strip()
    if len(body) > MAX_RECURRENCE_LENGTH:
        raise bad(f"recurrence is longer than {MAX_RECURRENCE_LENGTH} characters")
    body, exdates, rdates = _lines(body, bad)
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
        if keyword in ("EXDATE", "RDATE"):
            raise bad(f"{keyword} goes on a line of its own after the RRULE line")
        if keyword not in KEYWORDS:
            raise bad(f"unsupported RRULE keyword {_short(keyword)}")
        if keyword in values:
            raise bad(f"duplicate RRULE keyword {keyword}")
        values[keyword] = value

    freq = values.get("FREQ")
    if freq is None:
        raise bad("RRULE keyword FREQ is required (e.g. FREQ=WEEKLY)")
    if freq not in FREQUENCIES:
        raise bad(f"unsupported FREQ value {_short(freq)}, expected DAILY, WEEKLY, MONTHLY or YEARLY")

    interval = 1
    if "INTERVAL" in values:
        raw = values["INTERVAL"]
        if not raw.isascii() or not raw.isdigit() or len(raw) > 6 or not 1 <= int(raw) <= MAX_INTERVAL:
            raise bad(f"invalid INTERVAL value {_short(raw)!r}, expected an integer 1..{MAX_INTERVAL}")
        interval = int(raw)

    count: int | None = None
    if "COUNT" in values:
        raw = values["COUNT"]
        if not raw.isascii() or not raw.isdigit() or len(raw) > 6 or not 1 <= int(raw) <= MAX_COUNT:
            raise bad(f"invalid COUNT value {_short(raw)!r}, expected an integer 1..{MAX_COUNT}")
        count = int(raw)
    if count is not None and "UNTIL" in values:
        raise bad("RRULE keywords COUNT and UNTIL cannot be combined (RFC 5545)")

    days: list[str] = []
    if "BYDAY" in values:
        limit = _ordinal_limit(freq, "BYMONTH" in values)
        for day in values["BYDAY"].split(","):
            match = _BYDAY_RE.fullmatch(day.strip())
            ordinal = None if match is None or match.group(1) is None else int(match.group(1))
            if match is None or (ordinal is not None and not (ordinal and abs(ordinal) <= limit)):
                expected = "MO, TU, WE, TH, FR, SA or SU"
                if limit:
                    expected += f", optionally with an ordinal ±1..{limit} (1SA, -1FR)"
                raise bad(f"unsupported BYDAY value {_short(day)!r}, expected {expected}")
            days.append(_day_text(ordinal, match.group(2)))
    elif freq == "WEEKLY":
        raise bad("RRULE keyword BYDAY is required with FREQ=WEEKLY (e.g. BYDAY=MO,WE)")

    month_days: tuple[int, ...] = ()
    if "BYMONTHDAY" in values:
        if freq == "WEEKLY":
            raise bad("RRULE keyword BYMONTHDAY is not allowed with FREQ=WEEKLY (RFC 5545)")
        month_days = _int_list("BYMONTHDAY", values["BYMONTHDAY"], 1, 31, True, bad)
    months = _int_list("BYMONTH", values["BYMONTH"], 1, 12, False, bad) if "BYMONTH" in values else ()
    set_pos: tuple[int, ...] = ()
    if "BYSETPOS" in values:
        if not (days or month_days or months):
            raise bad("RRULE keyword BYSETPOS needs BYDAY, BYMONTHDAY or BYMONTH")
        set_pos = _int_list("BYSETPOS", values["BYSETPOS"], 1, 366, True, bad)

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

    # Duplicates are harmless (sets), so they are folded rather than rejected.
    return RecurrenceRule(
        interval=interval,
        by_day=tuple(days),
        until=until,
        freq=freq,
        count=count,
        by_month_day=month_days,
        by_month=months,
        by_set_pos=set_pos,
        **_in_one_zone(exdates, rdates),
    )


def _in_one_zone(exdates: tuple[DateValue, ...], rdates: tuple[DateValue, ...]) -> dict[str, Any]:
    """Values that all carry the same TZID become wall times in it (`tzid`), as rules are stored."""
    zones = {getattr(v, "tzinfo", None) for v in exdates + rdates}
    zone = zones.pop() if len(zones) == 1 else None
    if not isinstance(zone, ZoneInfo):
        return {"exdates": exdates, "rdates": rdates}

    def naive(values: tuple[DateValue, ...]) -> tuple[DateValue, ...]:
        return tuple(v.replace(tzinfo=None) if isinstance(v, datetime) else v for v in values)

    return {"exdates": naive(exdates), "rdates": naive(rdates), "tzid": zone.key}


def _normalise_start(first_start: datetime) -> datetime:
    if first_start.tzinfo is not None:
        raise ValueError("first_start must be a naive local datetime")
    # dateutil drops microseconds from dtstart; do the same everywhere so the functions agree.
    return first_start.replace(microsecond=0)


def _rrule_arguments(rule: RecurrenceRule, first_start: datetime) -> dict[str, Any]:
    """dateutil's arguments, with the defaults it would take from dtstart made explicit from the
    *first* start, so that a re-anchored dtstart expands exactly the same pattern."""
    by_day = [weekday(_DAY_INDEX[d], n) for n, d in map(_split_day, rule.by_day)]
    month_days: list[int] = list(rule.by_month_day)
    months: list[int] = list(rule.by_month)
    if not by_day and not month_days:
        # dateutil's (and RFC 5545's) defaults: the first start's day (and month for YEARLY).
        if rule.freq == "YEARLY":
            months = months or [first_start.month]
            month_days = [first_start.day]
        elif rule.freq == "MONTHLY":
            month_days = [first_start.day]
    return {
        "freq": FREQUENCIES[rule.freq],
        "interval": rule.interval,
        "wkst": 0,  # RFC 5545's default week start (Monday), whatever the process' calendar says
        "byweekday": by_day or None,
        "bymonthday": month_days or None,
        "bymonth": months or None,
        "bysetpos": list(rule.by_set_pos) or None,
        "cache": False,
    }


def _week_monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _anchor(rule: RecurrenceRule, first_start: datetime, local_from: datetime) -> datetime | None:
    """A dtstart expanding the same occurrences from `local_from`'s period on: the start of the latest
    period on the INTERVAL grid not after it (the first start itself while that is still the first
    period). None when that period lies beyond datetime's range."""
    first = first_start.date()
    target = local_from.date()
    step = rule.interval
    try:
        if rule.freq == "DAILY":
            periods = (target - first).days
            periods -= periods % step
            begin = first + timedelta(days=periods) if periods > 0 else None
        elif rule.freq == "WEEKLY":
            periods = (_week_monday(target) - _week_monday(first)).days // 7
            periods -= periods % step
            begin = _week_monday(first) + timedelta(weeks=periods) if periods > 0 else None
        elif rule.freq == "MONTHLY":
            periods = (target.year - first.year) * 12 + target.month - first.month
            periods -= periods % step
            year, month = divmod(first.year * 12 + first.month - 1 + periods, 12)
            begin = date(year, month + 1, 1) if periods > 0 else None
        else:
            periods = target.year - first.year
            periods -= periods % step
            begin = date(first.year + periods, 1, 1) if periods > 0 else None
    except (OverflowError, ValueError):  # the period starts after year 9999
        return None
    return first_start if begin is None else datetime.combine(begin, first_start.time())


@lru_cache(maxsize=4096)
def _count_last(rule: RecurrenceRule, first_start: datetime) -> datetime | None:
    """The last occurrence (naive local) of a COUNT rule, or None if it has none."""
    found = list(rrule(dtstart=first_start, count=rule.count, **_rrule_arguments(rule, first_start)))
    return found[-1] if found else None


def local_last(rule: RecurrenceRule, first_start: datetime) -> datetime | None:
    """The naive local start of a COUNT rule's last occurrence; None without COUNT or occurrences."""
    if rule.count is None:
        return None
    return _count_last(rule.without_dates(), _normalise_start(first_start))


def _expansion(rule: RecurrenceRule, first_start: datetime, local_from: datetime) -> Iterator[datetime]:
    dtstart = _anchor(rule, first_start, local_from)
    if dtstart is None:
        return iter(())
    return iter(rrule(dtstart=dtstart, **_rrule_arguments(rule, first_start)))


def occurrences(
    rule: RecurrenceRule,
    first_start: datetime,
    zone: ZoneInfo,
    window_from: datetime,
    window_to: datetime,
) -> Iterator[datetime]:
    """Naive local starts whose UTC instant s satisfies window_from <= s < window_to, ascending: the
    RRULE's, with the RDATE ones added and those on an EXDATE's local date taken out (RFC 5545 §3.8.5:
    COUNT and UNTIL bound the RRULE's occurrences only)."""
    found = _rule_occurrences(rule, first_start, zone, window_from, window_to)
    if not rule.has_dates:
        return found
    return _with_dates(rule, _normalise_start(first_start), zone, window_from, window_to, found)


@lru_cache(maxsize=1024)
def _local_dates(
    rule: RecurrenceRule, zone: ZoneInfo, first_start: datetime
) -> tuple[frozenset[date], dict[date, datetime], tuple[datetime, ...]]:
    """The EXDATE dates, and the RDATE wall times (by date and in order), in the series' zone."""
    excluded = frozenset(as_local(v, zone, rule.tzid, first_start).date() for v in rule.exdates)
    added = sorted(as_local(v, zone, rule.tzid, first_start) for v in rule.rdates)
    kept = tuple(local for local in added if local >= first_start and local.date() not in excluded)
    return excluded, {local.date(): local for local in kept}, kept


def _with_dates(
    rule: RecurrenceRule,
    first_start: datetime,
    zone: ZoneInfo,
    window_from: datetime,
    window_to: datetime,
    found: Iterator[datetime],
) -> Iterator[datetime]:
    excluded, _, added = _local_dates(rule, zone, first_start)
    extra = (local for local in added if window_from <= to_utc(local, zone) < window_to)
    previous = None
    for local in heapq.merge(found, extra):
        if local != previous and local.date() not in excluded:
            yield local
        previous = local


def _rule_occurrences(
    rule: RecurrenceRule,
    first_start: datetime,
    zone: ZoneInfo,
    window_from: datetime,
    window_to: datetime,
) -> Iterator[datetime]:
    """The RRULE's own occurrences in the window (no EXDATE/RDATE), ascending."""
    if window_from.tzinfo is None or window_to.tzinfo is None:
        raise ValueError("window bounds must be aware datetimes")
    first_start = _normalise_start(first_start)
    if window_from >= window_to or (rule.until is not None and rule.until < window_from):
        return
    last = local_last(rule, first_start)
    if rule.count is not None and last is None:
        return

    # Start one day before the window's local date: a gap time (fold=0) maps to a later instant than
    # its wall time suggests, and zone offsets are under a day, so no occurrence in the window is missed.
    try:
        local_from = window_from.astimezone(zone).replace(tzinfo=None) - timedelta(days=1)
    except OverflowError:  # window_from at the very edge of datetime's range (e.g. datetime.min)
        if window_from.year > 1:
            return
        local_from = datetime.min
    # Wall times a day or more inside the window (and before UNTIL) are inside it whatever the zone's
    # offset changes do, so only occurrences near an edge pay for the exact UTC conversion.
    safe_from, safe_to = _local_bound(window_from, zone, 1), _local_bound(window_to, zone, -1)
    if rule.until is not None:
        safe_to = min(safe_to, _local_bound(rule.until, zone, -1))
    # Same wall time on different days ⇒ UTC instants are strictly increasing (offset changes are
    # far below 24 h), so the first instant past the window or UNTIL ends the series.
    for local in _expansion(rule, first_start, local_from):
        if last is not None and local > last:
            return
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
    if rule.has_dates:
        excluded, added, _ = _local_dates(rule, zone, first_start)
        if local_date in excluded:
            return None
        if local_date in added:
            return added[local_date]
    return _rule_is_occurrence(rule, first_start, zone, local_date)


def _rule_is_occurrence(
    rule: RecurrenceRule, first_start: datetime, zone: ZoneInfo, local_date: date
) -> datetime | None:
    if local_date < first_start.date():
        return None
    if rule.freq == "WEEKLY" and not (rule.by_month or rule.by_set_pos):
        # The common case, computed directly: weekday in BYDAY and week on the INTERVAL grid.
        if DAYS[local_date.weekday()] not in rule.by_day:
            return None
        if ((_week_monday(local_date) - _week_monday(first_start.date())).days // 7) % rule.interval:
            return None
    start = datetime.combine(local_date, first_start.time())
    if not (rule.freq == "WEEKLY" and not (rule.by_month or rule.by_set_pos)):
        found = next((x for x in _expansion(rule, first_start, start) if x >= start), None)
        if found is None or found.date() != local_date:
            return None
    last = local_last(rule, first_start)
    if rule.count is not None and (last is None or start > last):
        return None
    if rule.until is not None:
        try:
            if to_utc(start, zone) > rule.until:
                return None
        except OverflowError:  # beyond year 9999 in UTC, so after any UNTIL
            return None
    return start


def last_start(rule: RecurrenceRule, first_start: datetime, zone: ZoneInfo) -> datetime | None:
    """A UTC bound no occurrence starts after (UNTIL, or COUNT's last start, or the last RDATE);
    None if unbounded."""
    bound = _rule_last_start(rule, first_start, zone)
    if bound is None or not rule.rdates:
        return bound
    added = _local_dates(rule, zone, _normalise_start(first_start))[2]
    return max(bound, to_utc(added[-1], zone)) if added else bound


def _rule_last_start(rule: RecurrenceRule, first_start: datetime, zone: ZoneInfo) -> datetime | None:
    if rule.until is not None:
        return rule.until
    last = local_last(rule, first_start)
    if last is None:
        return None if rule.count is None else to_utc(_normalise_start(first_start), zone)
    return to_utc(last, zone)


def _first_within_horizon(rule: RecurrenceRule, first_start: datetime) -> datetime | None:
    """The pattern's first start (UNTIL and COUNT aside) within NO_OCCURRENCE_HORIZON_YEARS, naive
    local, in bounded time: however sparse or empty the rule, at most a few thousand periods are built."""
    arguments = _rrule_arguments(rule, first_start)
    if not (arguments["byweekday"] or arguments["bymonthday"] or arguments["bymonth"]):
        return first_start  # a DAILY rule without BY parts: every day of its grid
    if rule.freq == "DAILY" and rule.by_set_pos and not {1, -1} & set(rule.by_set_pos):
        return None  # a day is a DAILY period's only candidate
    # Every start is a day matching the BY parts: searched year by year (a hundred periods, not up to
    # 36,500 days), with MONTHLY ordinals (2MO) kept to their month. When no day matches, the rule has
    # no start; for DAILY and WEEKLY rules without INTERVAL or BYSETPOS, the first day is the first start.
    months = arguments["bymonth"] or (list(range(1, 13)) if rule.freq == "MONTHLY" else None)
    # Without a day part dateutil's YEARLY would take the start's day of the month: any day, then.
    days = arguments["byweekday"] or (None if arguments["bymonthday"] else list(range(7)))
    any_day = {
        **arguments,
        "freq": YEARLY,
        "interval": 1,
        "bysetpos": None,
        "bymonth": months,
        "byweekday": days,
    }
    found = _search_within_horizon(first_start, any_day)
    every_day = rule.freq == "DAILY" or (rule.freq == "WEEKLY" and not rule.by_set_pos)
    if found is None or (every_day and rule.interval == 1):
        return found
    return _search_within_horizon(first_start, arguments)


def _search_within_horizon(first_start: datetime, arguments: dict[str, Any]) -> datetime | None:
    years = NO_OCCURRENCE_HORIZON_YEARS
    # HorizonSearch counts periods, or months for DAILY and WEEKLY rules.
    months = {YEARLY: 12 * arguments["interval"], MONTHLY: arguments["interval"]}.get(arguments["freq"], 1)
    search = HorizonSearch(12 * years // months + 2, dtstart=first_start, **arguments)
    try:
        found = next(iter(search), None)
    except HorizonReached:
        return None
    if found is None or found - first_start >= timedelta(days=365 * years):
        return None
    return found


def first_occurrence(rule: RecurrenceRule, first_start: datetime, zone: ZoneInfo) -> datetime | None:
    """The first occurrence within NO_OCCURRENCE_HORIZON_YEARS of the first start (naive local)."""
    first_start = _normalise_start(first_start)
    found = _first_within_horizon(rule, first_start)
    if found is None or rule.until is None:
        return found
    try:
        return found if to_utc(found, zone) <= rule.until else None
    except OverflowError:  # beyond year 9999 in UTC, so after any UNTIL
        return None


def check_has_occurrence(rule: RecurrenceRule, first_start: datetime, zone: ZoneInfo) -> None:
    """BadUserInput naming the part that leaves the rule without any occurrence."""
    if first_occurrence(rule, first_start, zone) is not None:
        return
    if rule.until is not None and first_occurrence(rule.bounded_by(None), first_start, zone) is not None:
        raise BadUserInput(
            f"UNTIL={until_text(rule.until)} is before the start (the first occurrence): the rule has none",
            field="recurrence",
        )
    parts = ";".join(part for part in rule.without_dates().to_rrule().split(";") if part.startswith("BY"))
    raise BadUserInput(
        f"the rule produces no occurrence (within {NO_OCCURRENCE_HORIZON_YEARS} years of its start):"
        f" check {parts or 'FREQ'}",
        field="recurrence",
    )


def with_local_dates(rule: RecurrenceRule, first_start: datetime, zone_name: str) -> RecurrenceRule:
    """The rule as a series starting at `first_start` (its first RRULE occurrence) stores it: EXDATE and
    RDATE values as wall times in the series' zone; an EXDATE at the time of day of the occurrence on
    its date (dropped when that date has none); an RDATE on or after the first start, on a date the
    RRULE leaves free (one occurrence a day: instance ids are dates) or equal to its occurrence there
    (then dropped). BadUserInput otherwise."""
    if not rule.has_dates:
        return rule
    zone = zone_or_error(zone_name, "start.time_zone")
    first_start = _normalise_start(first_start)
    base = rule.without_dates()
    excluded = {as_local(v, zone, rule.tzid, first_start).date() for v in rule.exdates}
    if first_start.date() in excluded:
        raise BadUserInput(
            f"EXDATE {first_start.date().isoformat()} takes out the series' first occurrence, its start:"
            " start the series at its next occurrence instead",
            field="recurrence",
        )
    rdates: dict[date, datetime] = {}
    for value in rule.rdates:
        local = as_local(value, zone, rule.tzid, first_start)
        if local.date() not in excluded and _checked_rdate(base, first_start, zone, local, rdates):
            rdates[local.date()] = local
    exdates = [
        datetime.combine(day, first_start.time())
        for day in sorted(excluded)
        if day in rdates or _rule_is_occurrence(base, first_start, zone, day) is not None
    ]
    exdates = [value for value in exdates if value.date() not in rdates]
    tzid = zone_name if exdates or rdates else None
    return dataclasses.replace(rule, exdates=tuple(exdates), rdates=tuple(rdates.values()), tzid=tzid)


def _checked_rdate(
    base: RecurrenceRule, first_start: datetime, zone: ZoneInfo, local: datetime, taken: dict[date, datetime]
) -> bool:
    """Whether the RDATE adds an occurrence (False: the RRULE already has it)."""
    text = local.isoformat(timespec="minutes")
    if local < first_start:
        raise BadUserInput(
            f"RDATE {text} is before the series' start ({first_start.isoformat(timespec='minutes')})",
            field="recurrence",
        )
    other = taken.get(local.date()) or _rule_is_occurrence(base, first_start, zone, local.date())
    if other is not None and other != local:
        raise BadUserInput(
            f"RDATE {text} falls on a date that has an occurrence at {other.time().isoformat('minutes')}:"
            " a series has at most one occurrence a day (move that one with an instance edit instead)",
            field="recurrence",
        )
    return other is None


def instance_id(series_id: str, local_date: date) -> str:
    """Opaque, URL-safe id of one occurrence; keyed by local date so time-of-day edits keep it stable."""
    if not series_id or "|" in series_id:
        raise ValueError("series_id must be non-empty and must not contain '|'")
    return _encode_instance_id(series_id, local_date)


def _encode_instance_id(series_id: str, local_date: date) -> str:
    d = local_date  # explicit zero padding: strftime("%Y") does not pad years < 1000
    return _INSTANCE_PREFIX + unpadded_base64.encode(f"{series_id}|{d.year:04d}{d.month:02d}{d.day:02d}")


def parse_instance_id(instance_id: str) -> tuple[str, date] | None:
    """Inverse of instance_id; None (never an exception) for anything that is not one."""
    if not isinstance(instance_id, str) or len(instance_id) > _MAX_INSTANCE_ID_LENGTH:
        return None
    if not instance_id.startswith(_INSTANCE_PREFIX):
        return None
    text = unpadded_base64.decode(instance_id[len(_INSTANCE_PREFIX) :])
    if text is None:
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
