"""Documents for recurring sessions (with `history`) and their stored instance exceptions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ..domain.model import SessionStatus, SessionType
from ..domain.series import FAR_FUTURE, HistoryEntry, InstanceOverride, Series, SeriesSnapshot, StartMode
from ..domain.timezones import as_utc
from .documents import (
    FIELD_NAMES,
    Document,
    fields_to_doc,
    participant_from_doc,
    participant_to_doc,
    time_from_doc,
    time_to_doc,
)

DATE_FORMAT = "%Y-%m-%d"


def _date_to_doc(value: date | None) -> str | None:
    return None if value is None else value.strftime(DATE_FORMAT)


def _date_from_doc(value: str | None) -> date | None:
    return None if value is None else datetime.strptime(value, DATE_FORMAT).date()


def snapshot_to_doc(snapshot: SeriesSnapshot) -> Document:
    return fields_to_doc(snapshot, SeriesSnapshot.model_fields)


def snapshot_from_doc(doc: Document) -> SeriesSnapshot:
    return SeriesSnapshot(
        schedule_id=doc["scheduleId"],
        schedule_owner_id=doc.get("scheduleOwnerId"),
        tags=tuple(doc.get("tags", ())),
        status=SessionStatus(doc["status"]),
        type=SessionType(doc["type"]),
        participants=tuple(participant_from_doc(item) for item in doc.get("participants", ())),
        recurrence=doc["recurrence"],
        start=time_from_doc(doc["start"]),
        end=time_from_doc(doc["end"]),
    )


def _span(series: Series) -> tuple[datetime, datetime]:
    """UTC bounds no occurrence falls outside, so window queries find candidate series by index."""
    first = min(entry.snapshot.start.utc for entry in series.history)
    untils = [entry.snapshot.rule.until for entry in series.history]
    last = FAR_FUTURE if any(until is None for until in untils) else max(u for u in untils if u)
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
                "fromDate": _date_to_doc(entry.from_date),
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
                from_date=_date_from_doc(item.get("fromDate")),
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
        "occurrenceDate": _date_to_doc(override.occurrence_date),
        "startMode": override.start_mode.value,
        "revision": override.revision,
        "createdDate": override.created_date,
        "updatedDate": override.updated_date,
    }
    if override.start is not None:
        doc["start"] = time_to_doc(override.start)
    if override.end is not None:
        doc["end"] = time_to_doc(override.end)
    if override.duration_minutes is not None:
        doc["durationMinutes"] = override.duration_minutes
    overrides: dict[str, Any] = {}
    for name in ("schedule_owner_id", "tags", "status", "type", "participants"):
        value = getattr(override, name)
        if value is None:
            continue
        if name == "participants":
            value = [participant_to_doc(item) for item in value]
        elif isinstance(value, tuple):
            value = list(value)
        overrides[FIELD_NAMES[name]] = value
    doc["overrides"] = overrides
    return doc


def override_from_doc(doc: Document) -> InstanceOverride:
    own = doc.get("overrides", {})
    participants = own.get("participants")
    return InstanceOverride(
        series_id=doc["recurringSessionId"],
        occurrence_date=_date_from_doc(doc["occurrenceDate"]),
        start_mode=StartMode(doc.get("startMode", StartMode.FOLLOW.value)),
        start=time_from_doc(doc["start"]) if "start" in doc else None,
        end=time_from_doc(doc["end"]) if "end" in doc else None,
        duration_minutes=doc.get("durationMinutes"),
        schedule_owner_id=own.get("scheduleOwnerId"),
        tags=None if own.get("tags") is None else tuple(own["tags"]),
        status=None if own.get("status") is None else SessionStatus(own["status"]),
        type=None if own.get("type") is None else SessionType(own["type"]),
        participants=None if participants is None else tuple(participant_from_doc(p) for p in participants),
        revision=doc.get("revision", 0),
        created_date=None if doc.get("createdDate") is None else as_utc(doc["createdDate"]),
        updated_date=None if doc.get("updatedDate") is None else as_utc(doc["updatedDate"]),
    )
