"""Expansion of 1,000 weekly series over one year: our domain code vs raw `dateutil.rrule`.

Both sides get the rules already parsed (the domain a `RecurrenceRule`, dateutil its keyword arguments)
and build + iterate the expansion inside the clock, so the ratio is the cost of what the domain adds:
window re-anchoring, the zone attached to every occurrence for its UTC instant, UNTIL/window checks.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.rrule import WEEKLY, rrule

SERIES = 1000
WINDOW_FROM = datetime(2026, 1, 1, tzinfo=UTC)
WINDOW_TO = datetime(2027, 1, 1, tzinfo=UTC)
_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# Zones with and without DST on both hemispheres, so the wall-clock-keeping path is exercised.
_ZONES = ("Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Tokyo", "UTC")


def _rules() -> list[tuple[str, datetime, str]]:
    """(RRULE text, naive local first start, zone) — seeded, so every run expands the same series."""
    rng = random.Random(6)
    rules = []
    for _ in range(SERIES):
        days = sorted(rng.sample(range(7), rng.randint(1, 3)))
        interval = rng.choice((1, 1, 1, 2))
        text = f"FREQ=WEEKLY;INTERVAL={interval};BYDAY={','.join(_DAYS[d] for d in days)}"
        first = datetime(2026, 1, 1) + timedelta(
            days=rng.randrange(7), hours=rng.randrange(6, 21), minutes=rng.choice((0, 15, 30, 45))
        )
        rules.append((text, first, rng.choice(_ZONES)))
    return rules


def _timed(run: Callable[[], int]) -> tuple[float, int]:
    gc.collect()  # start each pass from the same heap state, not whatever the bench left behind
    started = time.perf_counter()
    count = run()
    return time.perf_counter() - started, count


def measure(rounds: int) -> dict[str, Any]:
    """Seconds per full expansion of all series, domain and raw, one best-of-5 figure each per round."""
    try:  # imported lazily: the recurrence module may not exist yet on a branch
        from bookings_sessions.domain.recurrence import occurrences, parse_rrule
    except ImportError as error:
        return {"available": False, "reason": f"domain recurrence not available: {error}"}

    rules = _rules()
    parsed = [(parse_rrule(text), first, ZoneInfo(zone)) for text, first, zone in rules]
    # (dtstart, interval, weekdays, until): dateutil works in naive local time, so each series' window
    # end is taken in its own zone.
    raw_rules = [
        (
            first,
            rule.interval,
            [_DAYS.index(day) for day in rule.by_day],
            WINDOW_TO.astimezone(zone).replace(tzinfo=None),
        )
        for rule, first, zone in parsed
    ]

    def domain() -> int:
        return sum(
            sum(1 for _ in occurrences(rule, first, zone, WINDOW_FROM, WINDOW_TO))
            for rule, first, zone in parsed
        )

    def raw() -> int:
        return sum(
            sum(1 for _ in rrule(WEEKLY, dtstart=first, interval=interval, byweekday=days, until=until))
            for first, interval, days, until in raw_rules
        )

    domain_s: list[float] = []
    raw_s: list[float] = []
    counts = {"domain": 0, "raw": 0}
    for _ in range(rounds):
        # Best of 5 passes per round (as timeit does), raw and domain alternating so that a slow spell
        # of the machine hits both sides alike.
        best = {"domain": float("inf"), "raw": float("inf")}
        for _ in range(5):
            for name, run in (("raw", raw), ("domain", domain)):
                seconds, counts[name] = _timed(run)
                best[name] = min(best[name], seconds)
        domain_s.append(best["domain"])
        raw_s.append(best["raw"])
    return {
        "available": True,
        "series": SERIES,
        "domain_s": domain_s,
        "raw_s": raw_s,
        "domain_occurrences": counts["domain"],
        "raw_occurrences": counts["raw"],
    }


def main() -> None:
    # Run as its own process by the bench: a fresh interpreter, not the orchestrator's heap and imports,
    # which skewed the ratio by up to 20 points.
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    print(json.dumps(measure(parser.parse_args().rounds)), flush=True)


if __name__ == "__main__":
    main()
