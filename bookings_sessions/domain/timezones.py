"""Time-zone arithmetic for session times: local wall time + IANA zone <-> UTC instant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict

from .errors import BadUserInput

# A local date lies within this of the UTC date of the same instant (offsets stay within ±14 h): the
# one margin for turning UTC windows into local-date ranges and back.
DATE_SLACK = timedelta(days=2)


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


def zone_or_error(name: str, field: str) -> ZoneInfo:
    # ZoneInfo accepts paths like "../x" poorly and raises ValueError for some; treat all as unknown.
    try:
        if not name or name.startswith(("/", ".")):
            raise ValueError(name)
        return _zone(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise BadUserInput(f"unknown time zone {name!r}", field=field) from None


def to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    """Naive local wall time → aware UTC; gaps and overlaps resolve as zoneinfo's fold=0 does."""
    if local.tzinfo is not None:
        raise ValueError("to_utc expects a naive local datetime")
    return local.replace(tzinfo=zone, fold=0).astimezone(UTC)


def utc_to_local(instant: datetime, zone: ZoneInfo) -> datetime:
    return as_utc(instant).astimezone(zone).replace(tzinfo=None)


def as_utc(value: datetime) -> datetime:
    """BSON dates come back naive (UTC); client timestamps are aware."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def resolve_time(value: CalendarDateTimeIn, default_zone: str, field: str) -> SessionTime:
    # Only an absent zone falls back to the business zone; an empty one is as wrong as any unknown name.
    zone_name = default_zone if value.time_zone is None else value.time_zone
    zone = zone_or_error(zone_name, f"{field}.time_zone")
    if value.local_date_time is not None:
        local = value.local_date_time.to_naive(field)
        utc = to_utc(local, zone)
        if value.timestamp is not None and as_utc(value.timestamp) != utc:
            raise BadUserInput("timestamp and local_date_time disagree", field=field)
        return SessionTime(utc=utc, local=local, zone=zone_name)
    if value.timestamp is not None:
        utc = as_utc(value.timestamp).replace(microsecond=0)
        return SessionTime(utc=utc, local=utc_to_local(utc, zone), zone=zone_name)
    raise BadUserInput("give timestamp or local_date_time", field=field)
