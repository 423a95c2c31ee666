"""Mapping between domain sessions and MongoDB documents (camelCase fields, times as {utc, local, zone})."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from ..domain.model import Participant, Session, SessionKind, SessionStatus, SessionType
from ..domain.timezones import SessionTime, as_utc

Document = dict[str, Any]
LOCAL_FORMAT = "%Y-%m-%dT%H:%M"

# Domain field name → document field name, for the fields a patch may touch.
FIELD_NAMES: dict[str, str] = {
    "schedule_id": "scheduleId",
    "schedule_owner_id": "scheduleOwnerId",
    "tags": "tags",
    "notes": "notes",
    "status": "status",
    "type": "type",
    "recurrence": "recurrence",
    "start": "start",
    "end": "end",
    "participants": "participants",
}


def time_to_doc(value: SessionTime) -> Document:
    return {"utc": value.utc, "local": value.local.strftime(LOCAL_FORMAT), "zone": value.zone}


def time_from_doc(doc: Document) -> SessionTime:
    return SessionTime(utc=as_utc(doc["utc"]), local=datetime.fromisoformat(doc["local"]), zone=doc["zone"])


def participant_to_doc(value: Participant) -> Document:
    return {
        "id": value.id,
        "name": value.name,
        "email": value.email,
        "phone": value.phone,
        "partySize": value.party_size,
    }


def participant_from_doc(doc: Document) -> Participant:
    return Participant(
        id=doc.get("id"),
        name=doc.get("name"),
        email=doc.get("email"),
        phone=doc.get("phone"),
        party_size=doc.get("partySize", 1),
    )


def value_to_doc(name: str, value: Any) -> Any:
    if isinstance(value, SessionTime):
        return time_to_doc(value)
    if name == "participants":
        return [participant_to_doc(item) for item in value]
    if isinstance(value, tuple):
        return list(value)
    return value


def fields_to_doc(source: object, names: Iterable[str]) -> Document:
    """The named domain fields that are set, as document fields (absent rather than null)."""
    doc: Document = {}
    for name in names:
        value = getattr(source, name)
        if value is not None:
            doc[FIELD_NAMES[name]] = value_to_doc(name, value)
    return doc


def session_to_doc(session: Session) -> Document:
    doc: Document = {
        "_id": session.id,
        "kind": session.kind.value,
        "revision": session.revision,
        "createdDate": session.created_date,
        "updatedDate": session.updated_date,
    }
    doc.update(fields_to_doc(session, FIELD_NAMES))
    if session.recurring_session_id is not None:
        doc["recurringSessionId"] = session.recurring_session_id
    return doc


def session_from_doc(doc: Document) -> Session:
    return Session(
        id=doc["_id"],
        kind=SessionKind(doc.get("kind", SessionKind.SINGLE.value)),
        schedule_id=doc["scheduleId"],
        schedule_owner_id=doc.get("scheduleOwnerId"),
        tags=tuple(doc.get("tags", ())),
        notes=doc.get("notes"),
        status=SessionStatus(doc.get("status", SessionStatus.CONFIRMED.value)),
        type=SessionType(doc.get("type", SessionType.EVENT.value)),
        recurrence=doc.get("recurrence"),
        recurring_session_id=doc.get("recurringSessionId"),
        start=time_from_doc(doc["start"]),
        end=time_from_doc(doc["end"]),
        participants=tuple(participant_from_doc(item) for item in doc.get("participants", ())),
        revision=doc.get("revision", 0),
        created_date=as_utc(doc["createdDate"]),
        updated_date=as_utc(doc["updatedDate"]),
    )


def update_from_changes(changes: dict[str, Any], *, now: datetime) -> Document:
    """`$set` for values, `$unset` for cleared ones, and the bookkeeping every write carries."""
    to_set: Document = {"updatedDate": now}
    to_unset: Document = {}
    for name, value in changes.items():
        field = FIELD_NAMES[name]
        if value is None:
            to_unset[field] = ""
        else:
            to_set[field] = value_to_doc(name, value)
    update: Document = {"$set": to_set, "$inc": {"revision": 1}}
    if to_unset:
        update["$unset"] = to_unset
    return update
