"""`make bench`'s expansion part compares like with like: every rule shape, the same occurrences.

Not a timing test (speed belongs in `make bench`): it checks that the seeded rules are the mix the
target names, and that raw `dateutil` reads each of them as the domain does, so the ratio is the cost
of the domain's own work and not of a different expansion.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import takewhile
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule

from bench.expansion import SHAPES, WINDOW_FROM, WINDOW_TO, raw_arguments, seeded_rules
from bookings_sessions.domain.recurrence import occurrences, parse_rrule
from bookings_sessions.domain.timezones import to_utc


def test_the_rules_are_every_shape_open_and_ended() -> None:
    endings: dict[str, set[str]] = defaultdict(set)
    texts = []
    for shape, text, _, _ in seeded_rules():
        endings[shape].add("COUNT" if "COUNT=" in text else "UNTIL" if "UNTIL=" in text else "open")
        texts.append(text)
    assert set(endings) == set(SHAPES)
    assert all(found == {"open", "COUNT", "UNTIL"} for found in endings.values()), endings
    for part in ("FREQ=DAILY;INTERVAL=2", "BYMONTHDAY=-", "BYDAY=-1", "BYSETPOS=", "FREQ=YEARLY;BYMONTH="):
        assert any(part in text for text in texts), part


def test_raw_dateutil_finds_the_domain_occurrences_of_every_rule() -> None:
    for _, text, first, zone_name in seeded_rules():
        zone = ZoneInfo(zone_name)
        rule = parse_rrule(text)
        domain = list(occurrences(rule, first, zone, WINDOW_FROM, WINDOW_TO))
        end = WINDOW_TO.astimezone(zone).replace(tzinfo=None)
        raw = takewhile(end.__gt__, rrule(**raw_arguments(rule, first, zone)))
        # Raw dateutil starts at the first start, which may lie just before the window in UTC.
        assert domain == [local for local in raw if to_utc(local, zone) >= WINDOW_FROM], text
