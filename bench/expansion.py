"""Expansion of 1,000 series over one year: our domain code vs raw `dateutil.rrule` on the same rules.

The series are a seeded mix of every rule shape the API accepts (`SHAPES`): DAILY with INTERVAL, WEEKLY
with BYDAY, MONTHLY with BYMONTHDAY (negative ones included), with ordinal BYDAY (1SA, -1FR) and with
BYSETPOS, YEARLY with BYMONTH; each open-ended, with a COUNT or with an UNTIL.

Both sides get the rules already parsed (the domain a `RecurrenceRule` from `parse_rrule`, as the API
stores it; dateutil its keyword arguments) and build + iterate the expansion inside the clock, so the
ratio is the cost of what the domain adds: window re-anchoring, COUNT's last occurrence, the zone
attached to every occurrence for its UTC instant, UNTIL/window checks. The domain side is
`recurrence.occurrences`, the function listing calls for every history entry of a series
(`series.nominal_occurrences`).
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from itertools import takewhile
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.rrule import DAILY, MONTHLY, WEEKLY, YEARLY, rrule, weekday

from bookings_sessions.domain.recurrence import RecurrenceRule, occurrences, parse_rrule, until_text

SERIES = 1000
WINDOW_FROM = datetime(2026, 1, 1, tzinfo=UTC)
WINDOW_TO = datetime(2027, 1, 1, tzinfo=UTC)
_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_FREQ = {"DAILY": DAILY, "WEEKLY": WEEKLY, "MONTHLY": MONTHLY, "YEARLY": YEARLY}
# Zones with and without DST on both hemispheres, so the wall-clock-keeping path is exercised.
_ZONES = ("Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Tokyo", "UTC")


def _days(rng: random.Random, low: int, high: int) -> str:
    return ",".join(_DAYS[d] for d in sorted(rng.sample(range(7), rng.randint(low, high))))


# Each shape's RRULE body (without COUNT/UNTIL), drawn from the seeded generator.
SHAPES: dict[str, Callable[[random.Random], str]] = {
    "daily": lambda rng: f"FREQ=DAILY;INTERVAL={rng.choice((1, 2, 3, 7))}",
    "weekly": lambda rng: f"FREQ=WEEKLY;INTERVAL={rng.choice((1, 1, 2))};BYDAY={_days(rng, 1, 3)}",
    "monthly_day": lambda rng: (
        "FREQ=MONTHLY;BYMONTHDAY="
        + ",".join(str(d) for d in sorted(rng.sample(range(1, 29), rng.randint(1, 2))))
    ),
    "monthly_negative_day": lambda rng: f"FREQ=MONTHLY;BYMONTHDAY={rng.choice((-1, -2, -7))}",
    "monthly_ordinal_day": lambda rng: (
        f"FREQ=MONTHLY;INTERVAL={rng.choice((1, 1, 2))};BYDAY="
        + f"{rng.choice((1, 2, 3, 4, -1, -2))}{rng.choice(_DAYS)}"
    ),
    "monthly_set_pos": lambda rng: f"FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS={rng.choice((1, -1))}",
    "yearly_month": lambda rng: (
        "FREQ=YEARLY;BYMONTH=" + ",".join(str(m) for m in sorted(rng.sample(range(1, 13), rng.randint(1, 4))))
    ),
}


def seeded_rules() -> list[tuple[str, str, datetime, str]]:
    """(shape, RRULE text, naive local first start, zone) — seeded, so every run expands the same
    series; the shapes take turns, and a third each are open, end after a COUNT, or end at an UNTIL."""
    rng = random.Random(6)
    names = list(SHAPES)
    rules = []
    for index in range(SERIES):
        shape = names[index % len(names)]
        text = SHAPES[shape](rng)
        ending = index // len(names) % 3
        if ending == 1:
            text += f";COUNT={rng.randint(3, 120)}"
        elif ending == 2:
            text += f";UNTIL={until_text(WINDOW_FROM + timedelta(days=rng.randint(60, 330)))}"
        first = datetime(2026, 1, 1) + timedelta(
            days=rng.randrange(7), hours=rng.randrange(6, 21), minutes=rng.choice((0, 15, 30, 45))
        )
        rules.append((shape, text, first, rng.choice(_ZONES)))
    return rules


def _weekday(entry: str) -> weekday:
    """`MO`, `1SA`, `-1FR` as dateutil's weekday."""
    ordinal = entry[:-2]
    return weekday(_DAYS.index(entry[-2:]), int(ordinal) if ordinal else None)


def raw_arguments(rule: RecurrenceRule, first: datetime, zone: ZoneInfo) -> dict[str, Any]:
    """dateutil's own reading of the same rule, as a plain caller would write it: naive local time
    (so UNTIL, and the window's end for a rule without COUNT, are taken in the series' zone)."""
    end = WINDOW_TO.astimezone(zone).replace(tzinfo=None)
    arguments: dict[str, Any] = {
        "freq": _FREQ[rule.freq],
        "dtstart": first,
        "interval": rule.interval,
        "byweekday": [_weekday(entry) for entry in rule.by_day] or None,
        "bymonthday": list(rule.by_month_day) or None,
        "bymonth": list(rule.by_month) or None,
        "bysetpos": list(rule.by_set_pos) or None,
    }
    if rule.count is not None:
        arguments["count"] = rule.count  # dateutil takes COUNT or UNTIL, not both: cut at `end` outside
    else:
        until = None if rule.until is None else rule.until.astimezone(zone).replace(tzinfo=None)
        arguments["until"] = end if until is None else min(until, end)
    return arguments


def _timed(run: Callable[[], int]) -> tuple[float, int]:
    gc.collect()  # start each pass from the same heap state, not whatever the bench left behind
    started = time.perf_counter()
    count = run()
    return time.perf_counter() - started, count


def measure(rounds: int) -> dict[str, Any]:
    """Seconds per full expansion of all series, domain and raw, one best-of-5 figure each per round."""
    rules = seeded_rules()
    parsed = [(parse_rrule(text), first, ZoneInfo(zone)) for _, text, first, zone in rules]
    raw_rules = [
        (raw_arguments(rule, first, zone), WINDOW_TO.astimezone(zone).replace(tzinfo=None))
        for rule, first, zone in parsed
    ]

    def domain() -> int:
        return sum(
            sum(1 for _ in occurrences(rule, first, zone, WINDOW_FROM, WINDOW_TO))
            for rule, first, zone in parsed
        )

    def raw() -> int:
        return sum(
            sum(1 for _ in takewhile(end.__gt__, rrule(**arguments)))  # local < end
            for arguments, end in raw_rules
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
        "shapes": dict(Counter(shape for shape, _, _, _ in rules)),
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
