"""Feed events as an RFC 5545 calendar (`icalendar`): only the fields the feed may show, every value from
the store (so the same data gives the same bytes and ETag), all-day events as dates in `_when`
(docs/design.md §6, "Calendar feeds"; docs/calendars.md).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from icalendar import Calendar, Event, vCalAddress, vDuration, vRecur

from ..domain.calendar_events import FeedEvent
from ..domain.fields import FIELD_RULES
from ..domain.values import SessionType

PRODUCT = "-//bookings-sessions//calendar feed//EN"
# Apps that honour it poll this often (Google Calendar picks its own pace, hours apart).
REFRESH = timedelta(hours=1)
# VTIMEZONE definitions cover this much around the feed's events (a series' rule runs on unbounded).
ZONE_YEARS_BEFORE, ZONE_YEARS_AFTER = 1, 10


def shown_fields(include_private: bool) -> frozenset[str]:
    """The session fields a feed writes: what anyone may read, or everything with `includePrivate`."""
    return frozenset(name for name, rules in FIELD_RULES.items() if include_private or rules.readers is None)


def render_calendar(name: str, events: list[FeedEvent], include_private: bool, first_day: date) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", REFRESH)
    shown = shown_fields(include_private)
    for event in sorted(events, key=_order):
        calendar.add_component(_vevent(event, shown))
    # A VTIMEZONE for each zone the events name, from the same tz database the API computes with.
    calendar.add_missing_timezones(
        first_date=date(first_day.year - ZONE_YEARS_BEFORE, 1, 1),
        last_date=date(first_day.year + ZONE_YEARS_AFTER, 12, 31),
    )
    _one_rdate_per_line(calendar)
    body: bytes = calendar.to_ical()
    return body


def _one_rdate_per_line(calendar: Calendar) -> None:
    """A VTIMEZONE's transitions as one RDATE line each. RFC 5545 allows a list on one line, as
    `icalendar` writes them, but ical.js (Thunderbird's parser) reads only the first value of each line
    and would stop applying DST after a year."""
    for zone in calendar.walk("VTIMEZONE"):
        for observance in zone.subcomponents:
            listed = observance.pop("RDATE", None)
            if listed is None:
                continue
            for line in listed if isinstance(listed, list) else [listed]:
                for value in line.dts:
                    observance.add("rdate", value.dt)


def _order(event: FeedEvent) -> tuple[str, datetime]:
    # Masters before their overrides, overrides by occurrence: stable bytes for the same events.
    return (event.uid, event.recurrence_id or datetime.min.replace(tzinfo=event.start.tzinfo))


def _vevent(event: FeedEvent, shown: frozenset[str]) -> Event:
    session = event.session
    vevent = Event()
    vevent.add("uid", event.uid)
    vevent.add("dtstamp", session.updated_date)
    vevent.add("last-modified", session.updated_date)
    vevent.add("created", session.created_date)
    vevent.add("sequence", session.revision)
    _times(vevent, event)
    if event.recurrence_id is not None:
        vevent.add("recurrence-id", _when(event, event.recurrence_id))
    if event.rule is not None:
        vevent.add("rrule", _rule(event, event.rule))
    # One value a line: ical.js reads only a line's first (see `_one_rdate_per_line`).
    for name, values in (("exdate", event.exdates), ("rdate", event.rdates)):
        for value in sorted(values):
            vevent.add(name, _when(event, value))
    if session.title is not None:
        vevent.add("summary", session.title)
    vevent.add("status", "CONFIRMED")  # cancelled sessions and occurrences are left out
    vevent.add("transp", "TRANSPARENT" if session.type is SessionType.WORKING_HOURS else "OPAQUE")
    if session.tags:
        vevent.add("categories", list(session.tags))
    if "location" in shown and session.location is not None:
        where = ", ".join(part for part in (session.location.name, session.location.address) if part)
        if where:
            vevent.add("location", where)
    if "notes" in shown and session.notes:
        vevent.add("description", session.notes)
    if "participants" in shown:
        for participant in session.participants:
            address = _address(participant.email, participant.phone)
            if address is not None:
                if participant.name:
                    address.params["CN"] = participant.name
                vevent.add("attendee", address)
    return vevent


def _when(event: FeedEvent, value: datetime) -> datetime | date:
    """A time as written: its local date for an all-day event (floating, as RFC 5545's dates are)."""
    return value.date() if event.all_day else value


def _rule(event: FeedEvent, text: str) -> vRecur:
    """The RRULE; an all-day event's UNTIL a date too, as RFC 5545 wants with a date DTSTART (the local
    date of its last occurrence's start)."""
    rule: vRecur = vRecur.from_ical(text)
    if event.all_day and "UNTIL" in rule:
        rule["UNTIL"] = [until.astimezone(event.start.tzinfo).date() for until in rule["UNTIL"]]
    return rule


def _times(vevent: Event, event: FeedEvent) -> None:
    vevent.add("dtstart", _when(event, event.start))
    if event.duration is None:
        vevent.add("dtend", _when(event, event.end))
    elif event.all_day:
        vevent.add("duration", event.duration)  # whole nominal days: P1D is a calendar day
    else:
        # Every occurrence lasts exactly as long as the first (design.md §2): an exact DURATION says so
        # even to readers that would take DTEND - DTSTART as a difference of wall times.
        vevent.add("duration", ExactDuration(event.duration))


class ExactDuration(vDuration):
    """A duration in hours, minutes and seconds only: RFC 5545's `P1D` is a nominal day (23 or 25 hours
    on a DST day), `PT24H` an exact one."""

    def to_ical(self) -> bytes:
        hours, rest = divmod(int(self.td.total_seconds()), 3600)
        minutes, seconds = divmod(rest, 60)
        parts = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
        return f"PT{parts}{seconds}S".encode() if seconds or not parts else f"PT{parts}".encode()


def _address(email: str | None, phone: str | None) -> vCalAddress | None:
    if email:
        return vCalAddress(f"mailto:{email}")
    if phone:
        return vCalAddress(f"tel:{phone.replace(' ', '')}")
    return None
