"""strawberry's names remembered: the same names as its own converter, and input arguments still arrive."""

from __future__ import annotations

import strawberry
from hypothesis import given
from hypothesis import strategies as st
from strawberry.schema.name_converter import NameConverter

from bookings_sessions.fast.remembered_names import RememberedNames

PYTHON_NAMES = st.from_regex(r"\A_?[a-z][a-z0-9_]{0,30}\Z")


@given(names=st.lists(PYTHON_NAMES, max_size=20), camel=st.booleans())
def test_names_are_strawberrys_own_however_often_asked(names: list[str], camel: bool) -> None:
    remembered = RememberedNames(auto_camel_case=camel)
    plain = NameConverter(auto_camel_case=camel)
    for name in names + names:
        assert remembered.apply_naming_config(name) == plain.apply_naming_config(name)


@strawberry.input
class Patch:
    time_reserved_after: int | None = None
    schedule_owner_id: str | None = None


@strawberry.type
class Query:
    @strawberry.field
    def echo(self, session_info: Patch) -> str:
        return f"{session_info.time_reserved_after}/{session_info.schedule_owner_id}"


def test_a_schema_swapped_to_remembered_names_still_converts_input_fields() -> None:
    schema = strawberry.Schema(query=Query)
    schema.config.name_converter = RememberedNames()
    query = '{ echo(sessionInfo: {timeReservedAfter: 15, scheduleOwnerId: "bob"}) }'
    for _ in range(2):
        result = schema.execute_sync(query)
        assert result.errors is None
        assert result.data == {"echo": "15/bob"}
