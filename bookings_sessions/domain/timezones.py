"""Time-zone arithmetic for session times: local wall time + IANA zone <-> UTC instant."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import cache, lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import BaseModel, ConfigDict

from .errors import BadUserInput

# A local date lies within this of the UTC date of the same instant (offsets stay within ±14 h): the
# one margin for turning UTC windows into local-date ranges and back.
DATE_SLACK = timedelta(days=2)

# The instants a session, a series' UNTIL or a listing window may name, and the wall times they may show
# in their zone (docs/api.md "Accepted dates"). Well inside datetime's years 1..9999, so every
# conversion and every slack added around a window stays representable, and every value reads back.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2999, 12, 31, 23, 59, tzinfo=UTC)
RANGE_TEXT = "1900-01-01T00:00Z to 2999-12-31T23:59Z"
# Files under the zoneinfo path that are not business zones: aliases of the host's zone, the leap-second
# and POSIX-rule variants, and tzdata's placeholder.
_PSEUDO_ZONES = frozenset({"localtime", "posixrules", "Factory"})


class LocalDateTime(BaseModel):
    """Wall-clock time as the reference spells it; values are checked by `to_naive`."""

    model_config = ConfigDict(frozen=True)

    year: int
    month_of_year: int
    day_of_month: int
    hour_of_day: int = 0
    minutes_of_hour: int = 0

    @classmethod
    def from_naive(cls, value: datetime) -> LocalDateTime:
        return cls(
            year=value.year,
            month_of_year=value.month,
            day_of_month=value.day,
            hour_of_day=value.hour,
            minutes_of_hour=value.minute,
        )

    def to_naive(self, field: str) -> datetime:
        checks = (
            (1 <= self.year <= 9999, "year", "1..9999"),
            (1 <= self.month_of_year <= 12, "month_of_year", "1..12"),
            (0 <= self.hour_of_day <= 23, "hour_of_day", "0..23"),
            (0 <= self.minutes_of_hour <= 59, "minutes_of_hour", "0..59"),
        )
        for ok, name, allowed in checks:
            if not ok:
                raise BadUserInput(f"local_date_time.{name} must be in {allowed}", field=field)
        try:
            return datetime(
                self.year, self.month_of_year, self.day_of_month, self.hour_of_day, self.minutes_of_hour
            )
        except ValueError:
            raise BadUserInput(
                f"local_date_time: {self.year:04d}-{self.month_of_year:02d}-{self.day_of_month:02d}"
                " is not a calendar date",
                field=field,
            ) from None


class CalendarDateTimeIn(BaseModel):
    """A time as a client may send it: an instant, a wall time, or both (they must then agree)."""

    model_config = ConfigDict(frozen=True)

    timestamp: datetime | None = None
    local_date_time: LocalDateTime | None = None
    time_zone: str | None = None


class SessionTime(BaseModel):
    """A time as stored: the wall time and zone the user meant, plus the UTC instant for sorting."""

    model_config = ConfigDict(frozen=True)

    utc: datetime
    local: datetime
    zone: str


@lru_cache(maxsize=512)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@cache
def business_zones() -> frozenset[str]:
    """IANA zone names a client may give (scanning the zone files is slow, so once per process)."""
    return frozenset(
        name
        for name in available_timezones()
        if name not in _PSEUDO_ZONES and not name.startswith(("right/", "posix/"))
    )


def in_range(value: datetime) -> bool:
    """Whether an instant (aware) or a wall time (naive) lies in the accepted range."""
    if value.tzinfo is None:
        return EARLIEST.replace(tzinfo=None) <= value <= LATEST.replace(tzinfo=None)
    try:
        return EARLIEST <= value <= LATEST
    except OverflowError:  # an offset that pushes year 1 or 9999 out of datetime's range
        return False


def date_in_range(value: date) -> bool:
    return EARLIEST.date() <= value <= LATEST.date()


def checked_instant(value: datetime, field: str) -> datetime:
    """A client's instant in UTC, or BAD_USER_INPUT when it is outside the accepted range."""
    if not in_range(value):
        raise BadUserInput(f"must be between {RANGE_TEXT}", field=field)
    return as_utc(value)


def business_zone_or_error(name: str, field: str) -> ZoneInfo:
    """A zone a client names: an IANA business zone, not a pseudo-zone such as `localtime`."""
    if name not in business_zones():
        raise BadUserInput(f"unknown time zone {name!r}", field=field)
    return zone_or_error(name, field)


def zone_or_error(name: str, field: str) -> ZoneInfo:
    # ZoneInfo accepts paths like "../x" poorly and raises ValueError for some; treat all as unknown.
    try:
        if not name or name.startswith(("/", ".")):
            raise ValueError(name)
        return _zone(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise BadUserInput(f"unknown time zone {name!r}", field=field) from None


def to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    """Naive local wall time → aware UTC; gaps and overlaps resolve as zoneinfo's fold=0 does: a wall
    time twice is the first, and one in a spring-forward gap is read with the offset before the gap,
    i.e. the instant the gap's length after it (02:30 EST on the New York change day is 03:30 EDT)."""
    if local.tzinfo is not None:
        raise ValueError("to_utc expects a naive local datetime")
    return local.replace(tzinfo=zone, fold=0).astimezone(UTC)


def utc_to_local(instant: datetime, zone: ZoneInfo) -> datetime:
    return as_utc(instant).astimezone(zone).replace(tzinfo=None)


def wall_time_in(instant: datetime, zone_name: str, field: str) -> datetime:
    """The wall time an instant shows in a zone a client names (an answer in the viewer's zone)."""
    return utc_to_local(instant, business_zone_or_error(zone_name, field))


def at_instant(instant: datetime, zone_name: str) -> SessionTime:
    """A stored time for an instant: its wall time is the one that happens there."""
    return SessionTime(utc=instant, local=utc_to_local(instant, _zone(zone_name)), zone=zone_name)


def wall_time_of(local: datetime, zone_name: str) -> SessionTime:
    """A stored time for a wall time: a nonexistent one (a spring-forward gap) moves forward by the gap,
    and is shown as the wall time it becomes."""
    return at_instant(to_utc(local, _zone(zone_name)), zone_name)


def keep_length(
    start_in: CalendarDateTimeIn, start: SessionTime, end_in: CalendarDateTimeIn, end: SessionTime
) -> SessionTime:
    """The end of a session whose start and end were given as wall times: when the start fell in a gap
    and moved forward by it, the end moves with it, so the session keeps the length its wall times
    give (02:30-03:30 on the change day becomes 03:30-04:30, not a session of no length)."""
    if start_in.local_date_time is None or end_in.local_date_time is None or end_in.timestamp is not None:
        return end
    gap = start.local - start_in.local_date_time.to_naive("start")
    return end if not gap else at_instant(end.utc + gap, end.zone)


def as_utc(value: datetime) -> datetime:
    """BSON dates come back naive (UTC); client timestamps are aware."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def resolve_time(value: CalendarDateTimeIn, default_zone: str, field: str) -> SessionTime:
    """A client's time as stored; both its UTC instant and its wall time must be in the accepted range."""
    # Only an absent zone falls back to the business zone; an empty one is as wrong as any unknown name.
    zone_name = default_zone if value.time_zone is None else value.time_zone
    zone = business_zone_or_error(zone_name, f"{field}.time_zone")
    if value.local_date_time is not None:
        local = value.local_date_time.to_naive(field)
        if not in_range(local):
            raise BadUserInput(f"local_date_time must be between {RANGE_TEXT}", field=field)
        utc = checked_instant(to_utc(local, zone), field)
        if value.timestamp is not None and (not in_range(value.timestamp) or as_utc(value.timestamp) != utc):
            raise BadUserInput("timestamp and local_date_time disagree", field=field)
        return at_instant(utc, zone_name)
    if value.timestamp is not None:
        utc = checked_instant(value.timestamp, field).replace(microsecond=0)
        local = utc_to_local(utc, zone)
        if not in_range(local):
            raise BadUserInput(f"the wall time in {zone_name} must be between {RANGE_TEXT}", field=field)
        return SessionTime(utc=utc, local=local, zone=zone_name)
    raise BadUserInput("give timestamp or local_date_time", field=field)
