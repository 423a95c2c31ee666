"""The session field table (`SessionValues`): every plain field declared once with its type, limits and
`FieldRules`, from which the patch rules, instance overrides, series snapshots, document mapping and
role directives derive (docs/design.md §8).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from .callers import SENSITIVE_READERS, Role
from .errors import BadUserInput
from .values import LinkedSchedule, Location, Participant, SessionStatus, SessionType

MAX_TAGS = 50
MAX_PARTICIPANTS = 500
MAX_NOTES = 10_000
MAX_AFFECTED_SCHEDULES = 50
MAX_CAPACITY = 1000
MAX_TIME_RESERVED_AFTER = 1440  # minutes: one day
MAX_ICAL_UID = 500


@dataclass(frozen=True, slots=True)
class FieldRules:
    clearable: bool = True  # a given null clears it; else null is refused
    array: bool = False  # a given null clears it to empty (a given array replaces the whole value)
    on_instance: bool = True  # an instance may override it (null: follow the series again)
    on_series: bool = True  # a recurring session may hold it
    readers: frozenset[Role] | None = None  # None: anyone who may read the session


class SessionValues(BaseModel):
    """The table. Order is the order fields are listed in, nothing more."""

    model_config = ConfigDict(frozen=True)

    schedule_id: Annotated[
        str, Field(min_length=1, max_length=200), FieldRules(clearable=False, on_instance=False)
    ]
    schedule_owner_id: Annotated[str | None, Field(max_length=200), FieldRules()] = None
    title: Annotated[str | None, Field(min_length=1, max_length=200), FieldRules()] = None
    location: Annotated[Location | None, FieldRules(readers=SENSITIVE_READERS)] = None
    capacity: Annotated[int | None, Field(ge=0, le=MAX_CAPACITY), FieldRules()] = None
    affected_schedules: Annotated[
        tuple[LinkedSchedule, ...], Field(max_length=MAX_AFFECTED_SCHEDULES), FieldRules(array=True)
    ] = ()
    time_reserved_after: Annotated[int | None, Field(ge=0, le=MAX_TIME_RESERVED_AFTER), FieldRules()] = None
    tags: Annotated[tuple[str, ...], Field(max_length=MAX_TAGS), FieldRules(array=True)] = ()
    notes: Annotated[
        str | None,
        Field(max_length=MAX_NOTES),
        FieldRules(on_instance=False, on_series=False, readers=SENSITIVE_READERS),
    ] = None
    status: Annotated[SessionStatus, FieldRules(clearable=False)] = SessionStatus.CONFIRMED
    type: Annotated[SessionType, FieldRules(clearable=False)] = SessionType.EVENT
    # Whole local days (domain/all_day.py); an instance follows its series'.
    all_day: Annotated[bool, FieldRules(clearable=False, on_instance=False)] = False
    participants: Annotated[
        tuple[Participant, ...],
        Field(max_length=MAX_PARTICIPANTS),
        FieldRules(array=True, readers=SENSITIVE_READERS),
    ] = ()
    # The UID of the iCalendar event it was imported from (importCalendar finds it again by it).
    ical_uid: Annotated[
        str | None, Field(min_length=1, max_length=MAX_ICAL_UID), FieldRules(on_instance=False)
    ] = None


def _rules_of(name: str) -> FieldRules:
    found = [item for item in SessionValues.model_fields[name].metadata if isinstance(item, FieldRules)]
    if len(found) != 1:
        raise TypeError(f"SessionValues.{name} needs exactly one FieldRules")
    return found[0]


FIELD_RULES: dict[str, FieldRules] = {name: _rules_of(name) for name in SessionValues.model_fields}
VALUE_FIELDS: tuple[str, ...] = tuple(FIELD_RULES)
INSTANCE_FIELDS: tuple[str, ...] = tuple(name for name, rules in FIELD_RULES.items() if rules.on_instance)
SERIES_FIELDS: tuple[str, ...] = tuple(name for name, rules in FIELD_RULES.items() if rules.on_series)
PROTECTED_FIELDS: dict[str, frozenset[Role]] = {
    name: rules.readers for name, rules in FIELD_RULES.items() if rules.readers is not None
}


def _optional_copy() -> type[BaseModel]:
    """The same fields, each optional and absent by default: what a patch or an override gives."""
    fields: dict[str, Any] = {
        name: (Annotated[info.annotation | None, *info.metadata], None)  # type: ignore[operator]
        for name, info in SessionValues.model_fields.items()
    }
    return create_model("GivenValues", __config__=ConfigDict(frozen=True), **fields)


# Validates any subset of the plain fields with the table's limits; `model_fields_set` says which were given.
GivenValues: type[BaseModel] = _optional_copy()


def given_values(data: dict[str, Any]) -> dict[str, Any]:
    """The given plain fields, validated (pydantic's ValidationError propagates to `validated`)."""
    parsed = GivenValues.model_validate(data)
    given = {name: getattr(parsed, name) for name in parsed.model_fields_set}
    if given.get("participants"):
        check_participant_ids(given["participants"])
    return given


def check_participant_ids(participants: Iterable[Participant]) -> None:
    """A participant id names one participant of the session: given twice is refused (ids are optional)."""
    seen: set[str] = set()
    for participant in participants:
        if participant.id is None:
            continue
        if participant.id in seen:
            raise BadUserInput(
                f"participant id {participant.id!r} is given more than once", field="participants"
            )
        seen.add(participant.id)


def check_capacity(values: SessionValues, given: Collection[str]) -> None:
    """The one capacity rule, for every write: booked party sizes never exceed the capacity.

    Applied to the resulting session (single, series snapshot or instance), so it holds whichever of
    the two fields a write changed; the error names the one the request gave (capacity first). A
    cancelled session holds no seats: cancelling is never refused for capacity.
    """
    if not over_capacity(values):
        return
    booked = sum(participant.party_size for participant in values.participants)
    raise BadUserInput(
        f"participants' party sizes add up to {booked}, above the capacity of {values.capacity}",
        field="capacity" if "capacity" in given else "participants",
    )


def over_capacity(values: SessionValues) -> bool:
    """Booked party sizes above the capacity of a session that is not cancelled."""
    if values.capacity is None or values.status is SessionStatus.CANCELLED:
        return False
    return sum(participant.party_size for participant in values.participants) > values.capacity
