"""Documents for recurring sessions (with `history`) and their stored instance exceptions."""

from __future__ import annotations

from datetime import date, datetime

from ..domain.fields import INSTANCE_FIELDS, SERIES_FIELDS
from ..domain.series import (
    FAR_FUTURE,
    HistoryEntry,
    InstanceOverride,
    Series,
    SeriesSnapshot,
    StartMode,
    entry_last_start,
)
from ..domain.timezones import as_utc
from .documents import (
    FIELD_NAMES,
    Document,
    fields_to_doc,
    time_from_doc,
    time_to_doc,
    to_plain,
    values_from_doc,
)


def date_to_doc(value: date | None) -> str | None:
    # YYYY-MM-DD, zero-padded for every year (strftime("%Y") is not below 1000), so text order is date order.
    return None if value is None else value.isoformat()


def date_from_doc(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


def snapshot_to_doc(snapshot: SeriesSnapshot) -> Document:
    return fields_to_doc(snapshot, (*SERIES_FIELDS, "recurrence", "start", "end"))


def snapshot_from_doc(doc: Document) -> SeriesSnapshot:
    snapshot = SeriesSnapshot(
        **values_from_doc(doc, SERIES_FIELDS),
        recurrence=doc["recurrence"],
        start=time_from_doc(doc["start"]),
        end=time_from_doc(doc["end"]),
    )
    snapshot.rule  # noqa: B018 -- parsed (and cached) now: a bad stored rule makes the document undecodable
    return snapshot


def _span(series: Series) -> tuple[datetime, datetime]:
    """UTC bounds no occurrence falls outside, so window queries find candidate series by index."""
    first = min(entry.snapshot.start.utc for entry in series.history)
    ends = [entry_last_start(entry.snapshot) for entry in series.history]
    last = FAR_FUTURE if any(end is None for end in ends) else max(end for end in ends if end)
    return first, last


def series_to_doc(series: Series) -> Document:
    """Top-level fields mirror the current snapshot, so filters treat series like single sessions."""
    first, last = _span(series)
    return {
        "_id": series.id,
        "kind": "series",
        **snapshot_to_doc(series.current),
        "spanFrom": first,
        "spanTo": last,
        "history": [
            {
                "fromDate": date_to_doc(entry.from_date),
                "effectiveFrom": entry.effective_from,
                "snapshot": snapshot_to_doc(entry.snapshot),
            }
            for entry in series.history
        ],
        "revision": series.revision,
        "createdDate": series.created_date,
        "updatedDate": series.updated_date,
    }


def series_from_doc(doc: Document) -> Series:
    return Series(
        id=doc["_id"],
        history=tuple(
            HistoryEntry(
                from_date=date_from_doc(item.get("fromDate")),
                effective_from=None if item.get("effectiveFrom") is None else as_utc(item["effectiveFrom"]),
                snapshot=snapshot_from_doc(item["snapshot"]),
            )
            for item in doc["history"]
        ),
        revision=doc["revision"],
        created_date=as_utc(doc["createdDate"]),
        updated_date=as_utc(doc["updatedDate"]),
    )


def override_to_doc(override: InstanceOverride) -> Document:
    doc: Document = {
        "_id": override.id,
        "kind": "instance",
        "recurringSessionId": override.series_id,
        "occurrenceDate": date_to_doc(override.occurrence_date),
        "startMode": override.start_mode.value,
        "revision": override.revision,
        "seriesRevision": override.series_revision,
        "createdDate": override.created_date,
        "updatedDate": override.updated_date,
    }
    if override.start is not None:
        doc["start"] = time_to_doc(override.start)
    if override.end is not None:
        doc["end"] = time_to_doc(override.end)
    if override.duration_minutes is not None:
        doc["durationMinutes"] = override.duration_minutes
    doc["overrides"] = {FIELD_NAMES[name]: to_plain(value) for name, value in override.values.items()}
    return doc


def override_from_doc(doc: Document) -> InstanceOverride:
    return InstanceOverride(
        series_id=doc["recurringSessionId"],
        occurrence_date=date_from_doc(doc["occurrenceDate"]),
        start_mode=StartMode(doc.get("startMode", StartMode.FOLLOW.value)),
        start=time_from_doc(doc["start"]) if "start" in doc else None,
        end=time_from_doc(doc["end"]) if "end" in doc else None,
        duration_minutes=doc.get("durationMinutes"),
        values=values_from_doc(doc.get("overrides", {}), INSTANCE_FIELDS),
        revision=doc.get("revision", 0),
        # Absent on exceptions written before it was kept: every series write counts on top (§1).
        series_revision=doc.get("seriesRevision", 0),
        created_date=None if doc.get("createdDate") is None else as_utc(doc["createdDate"]),
        updated_date=None if doc.get("updatedDate") is None else as_utc(doc["updatedDate"]),
    )
