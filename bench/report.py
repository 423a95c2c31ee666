"""Medians over rounds, ratios to same-run baselines and to the Apollo peer, the target checks, the tables,
bench/results.json."""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

P99_OVER_P50 = 3.0  # read rows: p99 < 3x p50
WRITE_TAIL = 10.0  # updateSession and createSession at 16 writers: p99 <= 10x p50 (issue 22)


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    unit: str  # "req/s", "occ/s", "s", "MB"
    baseline: str | None = None
    min_ratio: float | None = None  # target: value/baseline >= min_ratio
    max_value: float | None = None  # target: value < max_value
    p99_target: bool = False  # target: p99 < 3x p50
    write_tail: bool = False  # target: p99 <= 10x p50 (with req/s >= 1.0x the peer's: PAIRS)


ROWS = (
    Row("floor", "floor: Starlette, fixed JSON", "req/s"),
    Row("typename", "`{ __typename }`", "req/s", "floor", min_ratio=0.60, p99_target=True),
    Row("session", "`session(id)` (staff token)", "req/s", "floor", p99_target=True),
    Row("sessions", "`sessions` page: 50 of a schedule's week", "req/s", "floor", p99_target=True),
    Row("create", "`createSession`", "req/s", write_tail=True),
    Row("raw_pymongo", "raw find_one_and_update, pymongo async", "req/s"),
    Row(
        "update_pymongo",
        "`updateSession` notes, pymongo",
        "req/s",
        "raw_pymongo",
        min_ratio=0.50,
        p99_target=True,
        write_tail=True,
    ),
    Row("raw_motor", "raw find_one_and_update, motor", "req/s"),
    Row(
        "update_motor", "`updateSession` notes, motor", "req/s", "raw_motor", min_ratio=0.50, p99_target=True
    ),
    Row("update_series", "`updateSession` series (tags), pymongo", "req/s", "raw_pymongo", p99_target=True),
    Row(
        "availability_listing",
        "`sessions` expanded: 10 schedules, 4 weeks (availability's baseline)",
        "req/s",
        "floor",
        p99_target=True,
    ),
    Row(
        "availability",
        "`availability`: 10 schedules, 4 weeks, slots",
        "req/s",
        "availability_listing",
        p99_target=True,
    ),
    Row(
        "feed_listing",
        "`sessions` expanded: a busy schedule's year (the feed's baseline)",
        "req/s",
        "floor",
        p99_target=True,
    ),
    Row(
        "feed",
        "calendar feed `.ics`: the same schedule, 15 months",
        "req/s",
        "feed_listing",
        p99_target=True,
    ),
    Row("typename_2w", "`{ __typename }`, 2 workers", "req/s", "typename"),
    Row("update_2w", "`updateSession` notes, 2 workers", "req/s", "update_pymongo"),
    Row("expansion_raw", "expansion: raw dateutil.rrule", "occ/s"),
    Row("expansion", "expansion: domain `occurrences`", "occ/s", "expansion_raw", min_ratio=0.50),
    Row("floor_cold_start", "cold start: floor app", "s"),
    Row("cold_start", "cold start → /readyz ok", "s", "floor_cold_start", max_value=1.5),
    Row("floor_rss", "RSS at rest: floor app", "MB"),
    Row("rss_rest", "RSS at rest", "MB", "floor_rss", max_value=120.0),
    Row("rss_after", "RSS after load", "MB", "rss_rest"),
    # The Apollo peer (bench/peers/apollo): compared with ours in PAIRS below.
    Row("typename_peer", "peer: `{ __typename }`", "req/s"),
    Row("session_peer", "peer: `session(id)` (staff token)", "req/s"),
    Row("sessions_peer", "peer: `sessions` page", "req/s"),
    Row("create_peer", "peer: `createSession`", "req/s"),
    Row("update_peer", "peer: `updateSession` notes", "req/s"),
    Row("peer_cold_start", "peer: cold start → first answer", "s", "cold_start"),
    Row("peer_rss", "peer: RSS at rest", "MB", "rss_rest"),
    Row("peer_rss_after", "peer: RSS after load", "MB", "rss_after"),
)


@dataclass(frozen=True)
class Pair:
    """One row measured on our server and on the peer: ours/peer for req/s and for CPU per request."""

    label: str
    ours: str
    peer: str
    min_rps_ratio: float = 1.0  # target: ours/peer req/s >= this
    max_cpu_ratio: float = 1.0  # target: ours/peer CPU µs per request <= this


PAIRS = (
    Pair("`{ __typename }`", "typename", "typename_peer", min_rps_ratio=2.0),
    Pair("`session(id)` (staff token)", "session", "session_peer"),
    Pair("`sessions` page (50 of a week)", "sessions", "sessions_peer"),
    Pair("`createSession`", "create", "create_peer"),
    Pair("`updateSession` notes", "update_pymongo", "update_peer"),
)


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _expansion_samples(expansion: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    if not expansion.get("available"):
        return {}
    return {
        "expansion": [{"value": expansion["domain_occurrences"] / s} for s in expansion["domain_s"]],
        "expansion_raw": [{"value": expansion["raw_occurrences"] / s} for s in expansion["raw_s"]],
    }


def summarise(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per row: median value (and p50/p99 for HTTP rows), ratio to its baseline, target checks."""
    samples: dict[str, list[dict[str, Any]]] = {
        **results["samples"],
        **_expansion_samples(results["expansion"]),
    }
    reasons = dict(results.get("failures", {}))
    if results.get("series_na"):
        reasons["update_series"] = results["series_na"]
    if not results["expansion"].get("available"):
        reasons["expansion"] = reasons["expansion_raw"] = results["expansion"].get("reason", "n/a")
    summary: dict[str, dict[str, Any]] = {}
    for row in ROWS:
        records = samples.get(row.key, [])
        field = {"req/s": "rps", "s": "seconds", "MB": "mb"}.get(row.unit, "value")
        entry: dict[str, Any] = {"label": row.label, "unit": row.unit, "rounds": len(records)}
        entry["value"] = _median([r[field] for r in records])
        if row.unit == "req/s" and records:
            entry["p50_ms"] = _median([r["p50_ms"] for r in records])
            entry["p99_ms"] = _median([r["p99_ms"] for r in records])
            entry["errors"] = sum(r["errors"] + r["non2xx"] for r in records)
            cpu = [r["cpu_us"] for r in records if r.get("cpu_us") is not None]
            entry["cpu_us"] = _median(cpu)
            # The store's CPU per request (the embedded FerretDB both servers share).
            entry["store_cpu_us"] = _median([r["store_cpu_us"] for r in records if "store_cpu_us" in r])
            if "writes_per_request" in records[0]:
                entry["writes_per_request"] = _median([r["writes_per_request"] for r in records])
        if entry["value"] is None:
            entry["na"] = reasons.get(row.key, "not measured")
        base = summary.get(row.baseline) if row.baseline else None
        if base and base.get("value") and entry["value"] is not None:
            entry["baseline"] = row.baseline
            entry["ratio"] = entry["value"] / base["value"]
        entry["checks"] = _checks(row, entry)
        summary[row.key] = entry
    return summary


def _checks(row: Row, entry: dict[str, Any]) -> list[dict[str, Any]]:
    checks: list[dict[str, Any]] = []
    measured = entry["value"] is not None
    if row.min_ratio is not None:
        ratio = entry.get("ratio")
        checks.append(
            {
                "target": f"{row.label} >= {row.min_ratio:.0%} of {row.baseline}",
                "actual": "n/a" if ratio is None else f"{ratio:.0%}",
                "ok": None if ratio is None else ratio >= row.min_ratio,
            }
        )
    if row.max_value is not None:
        value = entry["value"]
        checks.append(
            {
                "target": f"{row.label} < {row.max_value:g} {row.unit}",
                "actual": "n/a" if value is None else f"{value:.2f} {row.unit}",
                "ok": None if value is None else value < row.max_value,
            }
        )
    if row.p99_target:
        spread = entry["p99_ms"] / entry["p50_ms"] if measured and entry.get("p50_ms") else None
        entry["p99_over_p50"] = spread
        checks.append(
            {
                "target": f"{row.label}: p99 < {P99_OVER_P50:g}x p50",
                "actual": "n/a" if spread is None else f"{spread:.2f}x",
                "ok": None if spread is None else spread < P99_OVER_P50,
            }
        )
    if row.write_tail:
        spread = entry["p99_ms"] / entry["p50_ms"] if measured and entry.get("p50_ms") else None
        checks.append(
            {
                "target": f"{row.label}: p99 <= {WRITE_TAIL:g}x p50 at 16 writers",
                "actual": "n/a" if spread is None else f"{spread:.2f}x",
                "ok": None if spread is None else spread <= WRITE_TAIL,
            }
        )
    return checks


def compare(summary: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per pair: ours/peer for req/s and CPU µs per request, both sides' figures, and the target checks."""
    compared: dict[str, dict[str, Any]] = {}
    for pair in PAIRS:
        ours, peer = summary.get(pair.ours, {}), summary.get(pair.peer, {})
        entry: dict[str, Any] = {"label": pair.label, "ours": pair.ours, "peer": pair.peer}
        for side, source in (("ours", ours), ("peer", peer)):
            for name in ("value", "cpu_us", "store_cpu_us", "p50_ms", "p99_ms"):
                entry[f"{side}_{name}"] = source.get(name)
        entry["rps_ratio"] = _ratio(entry["ours_value"], entry["peer_value"])
        entry["cpu_ratio"] = _ratio(entry["ours_cpu_us"], entry["peer_cpu_us"])
        rps, cpu = entry["rps_ratio"], entry["cpu_ratio"]
        entry["checks"] = [
            {
                "target": f"{pair.label}: req/s >= {pair.min_rps_ratio:g}x the peer",
                "actual": "n/a" if rps is None else f"{rps:.2f}x",
                "ok": None if rps is None else rps >= pair.min_rps_ratio,
            },
            {
                "target": f"{pair.label}: CPU µs/request <= {pair.max_cpu_ratio:g}x the peer",
                "actual": "n/a" if cpu is None else f"{cpu:.2f}x",
                "ok": None if cpu is None else cpu <= pair.max_cpu_ratio,
            },
        ]
        compared[pair.ours] = entry
    return compared


def _ratio(ours: float | None, peer: float | None) -> float | None:
    return None if ours is None or not peer else ours / peer


def peer_table(compared: dict[str, dict[str, Any]]) -> str:
    """Ratios first (the headline), then both sides' absolute figures."""
    lines = [
        "| row | req/s ours/peer | CPU µs/req ours/peer | req/s ours · peer | CPU µs/req ours · peer "
        "| store CPU µs/req ours · peer | p50 ms ours · peer | p99 ms ours · peer | targets |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]

    def both(entry: dict[str, Any], name: str, spec: str) -> str:
        values = (entry[f"ours_{name}"], entry[f"peer_{name}"])
        return " · ".join("n/a" if value is None else format(value, spec) for value in values)

    for entry in compared.values():
        rps, cpu = entry["rps_ratio"], entry["cpu_ratio"]
        checks = ", ".join(f"{c['actual']} {_verdict(c['ok'])}" for c in entry["checks"])
        lines.append(
            f"| {entry['label']} | {'n/a' if rps is None else f'**{rps:.2f}x**'} | "
            f"{'n/a' if cpu is None else f'**{cpu:.2f}x**'} | {both(entry, 'value', ',.0f')} | "
            f"{both(entry, 'cpu_us', ',.0f')} | {both(entry, 'store_cpu_us', ',.0f')} | "
            f"{both(entry, 'p50_ms', '.2f')} | "
            f"{both(entry, 'p99_ms', '.2f')} | {checks} |"
        )
    return "\n".join(lines)


def _verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("PASS" if ok else "MISS")


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    if unit in ("req/s", "occ/s"):
        return f"{value:,.0f} {unit}"
    return f"{value:.2f} {unit}"


def table(summary: dict[str, dict[str, Any]]) -> str:
    """A Markdown table: readable in a terminal, pasteable into docs/performance.md."""
    lines = [
        "| measurement | median | p50 ms | p99 ms | p99/p50 | CPU µs/req | vs baseline | ratio | targets |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- |",
    ]
    for entry in summary.values():
        p50, p99 = entry.get("p50_ms"), entry.get("p99_ms")
        ratio, cpu = entry.get("ratio"), entry.get("cpu_us")
        checks = ", ".join(f"{c['actual']} {_verdict(c['ok'])}" for c in entry["checks"]) or "-"
        value = _fmt(entry["value"], entry["unit"]) if "na" not in entry else f"n/a ({entry['na'][:60]})"
        lines.append(
            f"| {entry['label']} | {value} | {'-' if p50 is None else f'{p50:.2f}'} | "
            f"{'-' if p99 is None else f'{p99:.2f}'} | {'-' if not p50 else f'{p99 / p50:.1f}'} | "
            f"{'-' if cpu is None else f'{cpu:,.0f}'} | "
            f"{entry.get('baseline') or '-'} | "
            f"{'-' if ratio is None else f'{ratio:.2f}'} | {checks} |"
        )
    return "\n".join(lines)


def warnings(summary: dict[str, dict[str, Any]]) -> list[str]:
    notes = []
    for key, entry in summary.items():
        if entry.get("errors"):
            notes.append(f"{key}: {entry['errors']} failed or non-2xx responses")
        writes = entry.get("writes_per_request")
        if writes is not None and writes < 0.99:
            notes.append(f"{key}: only {writes:.2f} writes per request served (GraphQL errors?)")
        elif writes is not None and writes > 1.01:
            notes.append(f"{key}: {writes:.2f} writes per request served (requests counted twice?)")
    return notes


def finish(results: dict[str, Any], path: Path) -> None:
    summary = summarise(results)
    compared = compare(summary)
    results["summary"] = summary
    results["versus_peer"] = compared
    results["targets"] = [
        check for entry in (*summary.values(), *compared.values()) for check in entry["checks"]
    ]
    meta = results["meta"]
    print()
    print(
        f"Medians of {meta['rounds']} rounds, {meta['duration']:g} s each, "
        f"{meta['connections']} connections, load: {meta['generator']}, "
        f"{meta['cpus']} CPUs, Python {meta['python']}, other processes "
        f"{meta.get('other_processes_cpu_share', 0.0):.0%} of the CPU"
    )
    print()
    print("Ours vs the Apollo peer (bench/peers/apollo), same store, same documents, same load:")
    print(peer_table(compared))
    print()
    print("Every row:")
    print(table(summary))
    print()
    print("Targets:")
    for check in results["targets"]:
        print(f"  {_verdict(check['ok']):4}  {check['target']}: {check['actual']}")
    others = meta.get("other_processes_cpu_share", 0.0)
    if others > 0.05:
        print(f"  warning: other processes took {others:.0%} of the CPU during the run: req/s are noisy")
    for note in warnings(summary):
        print(f"  warning: {note}")
    for key, where in results.get("peer_mismatches", {}).items():
        print(f"  warning: {key}: the peer answered differently ({where}): its figures compare unlike work")
    path.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(f"\nwrote {path} ({meta['seconds']:.0f} s)")
