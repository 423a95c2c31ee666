"""Mapping between domain sessions and MongoDB documents: plain fields from the domain's field table, keyed
by the camelCase of their names, so adding a field needs nothing here; times as {utc, local, zone}
(docs/design.md §1).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from enum import Enum
from typing import Any

from pydantic import BaseModel

from ..domain.changes import Change, ChangeKind
from ..domain.fields import VALUE_FIELDS, given_values
from ..domain.model import Session, SessionKind
from ..domain.notifications import Notification
from ..domain.timezones import SessionTime, as_utc, zone_or_error
from ..domain.values import Participant

Document = dict[str, Any]


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def snake(key: str) -> str:
    return "".join(f"_{char.lower()}" if char.isupper() else char for char in key)


# Domain field name → document key, for every field a write may touch.
FIELD_NAMES: dict[str, str] = {name: camel(name) for name in (*VALUE_FIELDS, "recurrence", "start", "end")}
_VALUE_KEYS: tuple[tuple[str, str], ...] = tuple((name, FIELD_NAMES[name]) for name in VALUE_FIELDS)


def time_to_doc(value: SessionTime) -> Document:
    # isoformat, not strftime("%Y"), which does not zero-pad years below 1000 (unreadable on the way back).
    return {"utc": value.utc, "local": value.local.isoformat(timespec="minutes"), "zone": value.zone}


def time_from_doc(doc: Document) -> SessionTime:
    # The zone is checked here, so a stored zone this host does not know is an undecodable document
    # rather than an error in every listing that computes with it.
    zone_or_error(doc["zone"], "zone")
    return SessionTime(utc=as_utc(doc["utc"]), local=datetime.fromisoformat(doc["local"]), zone=doc["zone"])


def to_plain(value: Any) -> Any:
    """A domain value as document data."""
    if isinstance(value, SessionTime):
        return time_to_doc(value)
    if isinstance(value, BaseModel):
        return {camel(name): to_plain(getattr(value, name)) for name in type(value).model_fields}
    if isinstance(value, tuple | list):
        return [to_plain(item) for item in value]
    if isinstance(value, Enum):
        return value.value
    return value


def from_plain(value: Any) -> Any:
    """Document data back into the shape the domain models validate (snake_case keys)."""
    if isinstance(value, dict):
        return {snake(key): from_plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [from_plain(item) for item in value]
    return value


def participant_from_doc(doc: Document) -> Participant:
    return Participant.model_validate(from_plain(doc))


def fields_to_doc(source: object, names: Iterable[str]) -> Document:
    """The named domain fields that are set, as document fields (absent rather than null)."""
    doc: Document = {}
    for name in names:
        value = getattr(source, name)
        if value is not None:
            doc[FIELD_NAMES[name]] = to_plain(value)
    return doc


def values_from_doc(doc: Document, names: Iterable[str] = VALUE_FIELDS) -> dict[str, Any]:
    """The plain fields present in a document (or in an instance's `overrides`), validated."""
    present = {name: from_plain(doc[FIELD_NAMES[name]]) for name in names if FIELD_NAMES[name] in doc}
    return given_values(present)


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
    """Validated once, by `Session` itself (the same field table and limits as `values_from_doc`)."""
    data: dict[str, Any] = {
        name: from_plain(doc[key]) for name, key in _VALUE_KEYS if doc.get(key) is not None
    }
    data.update(
        id=doc["_id"],
        kind=doc.get("kind", SessionKind.SINGLE.value),
        recurrence=doc.get("recurrence"),
        recurring_session_id=doc.get("recurringSessionId"),
        start=time_from_doc(doc["start"]),
        end=time_from_doc(doc["end"]),
        revision=doc.get("revision", 0),
        created_date=as_utc(doc["createdDate"]),
        updated_date=as_utc(doc["updatedDate"]),
    )
    return Session.model_validate(data)


def outbox_entry_to_doc(notification: Notification) -> Document:
    """An entry of a session document's `outbox`: the notification as recorded with the write."""
    return {
        "id": notification.id,
        "sessionId": notification.session_id,
        "kind": notification.kind.value,
        "message": notification.message,
        "recipients": to_plain(notification.recipients),
        "createdDate": notification.created_date,
    }


def change_to_doc(change: Change) -> Document:
    """A change event as a session document's `changeLog` entry, or (with `_id`) in `changes`.

    Field names are stored as the API spells them (a document key is the API's name, §1).
    """
    doc: Document = {
        "kind": change.kind.value,
        "sessionId": change.session_id,
        "changedFields": [camel(name) for name in change.changed_fields],
        "at": change.at,
    }
    optional = {
        "scheduleId": change.schedule_id,
        "previousScheduleId": change.previous_schedule_id,
        "revision": change.revision,
        "splitFrom": change.split_from,
        "splitInto": change.split_into,
        "splitDate": None if change.split_date is None else change.split_date.isoformat(),
    }
    doc.update({key: value for key, value in optional.items() if value is not None})
    if change.sequence is not None:
        doc["_id"] = change.sequence
    return doc


def log_entry_to_doc(change: Change, *, on_exception: bool = False) -> Document:
    """A change event as a session document's `changeLog` entry: without what the sequencer derives
    from the document it is on (docs/design.md §9) — the session (its `_id`), the revision (its
    position) and the schedule (walking back from it). Every write to a document makes it longer for
    a while, and on FerretDB every lookup by `_id` reads the whole table. An instance's exception
    document has no schedule, and its revision jumps by the series writes between its own (§1), so
    its entries keep both.
    """
    doc = change_to_doc(change)
    del doc["sessionId"]
    if not on_exception:
        doc.pop("revision", None)
        doc.pop("scheduleId", None)
    return doc


def change_from_doc(doc: Document) -> Change:
    # Entries and events written before issue 22 also carry an "id" nothing read: ignored.
    return Change(
        kind=ChangeKind(doc["kind"]),
        session_id=doc["sessionId"],
        schedule_id=doc.get("scheduleId"),
        previous_schedule_id=doc.get("previousScheduleId"),
        revision=doc.get("revision"),
        changed_fields=tuple(snake(name) for name in doc.get("changedFields", ())),
        at=as_utc(doc["at"]),
        sequence=doc.get("_id") if isinstance(doc.get("_id"), int) else None,
        split_from=doc.get("splitFrom"),
        split_into=doc.get("splitInto"),
        split_date=date.fromisoformat(doc["splitDate"]) if doc.get("splitDate") else None,
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
            to_set[field] = to_plain(value)
    update: Document = {"$set": to_set, "$inc": {"revision": 1}}
    if to_unset:
        update["$unset"] = to_unset
    return update
