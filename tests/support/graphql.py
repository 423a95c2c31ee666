"""Every GraphQL operation the tests send, and the builders of their input.

Each operation is written once; a test that needs other fields of the result passes its own selection
(`session_query("_id notes")`). Documents that are themselves the subject of a test (a syntax error, a
depth limit, a mutation over GET) stay in that test.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

SESSION_FIELDS = """
  _id scheduleId scheduleOwnerId tags notes status type recurrence recurringSessionId
  instanceOfRecurrence revision createdDate updatedDate
  start { timestamp timeZone localDateTime { year monthOfYear dayOfMonth hourOfDay minutesOfHour } }
  end { timestamp timeZone localDateTime { year monthOfYear dayOfMonth hourOfDay minutesOfHour } }
"""
PARTICIPANT_FIELDS = "participants { id name email phone partySize } totalNumberOfParticipants"
CALENDAR_FIELDS = """
  title capacity remainingCapacity timeReservedAfter totalNumberOfParticipants
  location { type name address }
  affectedSchedules { scheduleId transparency }
  recurrenceType inheritedFields
  originalStart { timestamp localDateTime { year monthOfYear dayOfMonth hourOfDay minutesOfHour } }
  participants { name partySize }
"""


def create_mutation(selection: str = SESSION_FIELDS) -> str:
    return f"""
mutation Create($info: CreateSessionInfo!) {{
  createSession(sessionInfo: $info) {{ {selection} }}
}}
"""


def update_mutation(selection: str = SESSION_FIELDS) -> str:
    return f"""
mutation Update($id: ID!, $info: UpdateSessionInfo!, $options: UpdateSessionOptions) {{
  updateSession(sessionId: $id, sessionInfo: $info, options: $options) {{ {selection} }}
}}
"""


def delete_mutation(selection: str = SESSION_FIELDS) -> str:
    return f"""
mutation Delete($id: ID!, $options: DeleteSessionOptions) {{
  deleteSession(sessionId: $id, options: $options) {{ {selection} }}
}}
"""


def session_query(selection: str = SESSION_FIELDS) -> str:
    return f"""
query Get($id: ID!) {{ session(id: $id) {{ {selection} }} }}
"""


CREATE = create_mutation()
UPDATE = update_mutation()
DELETE = delete_mutation()
GET = session_query()

LISTED_FIELDS = "_id tags status type start { timestamp } recurringSessionId"


def sessions_query(node: str = LISTED_FIELDS) -> str:
    """`sessions(...)` with every argument a variable; `node` selects each listed session's fields."""
    return f"""
query List(
  $filter: SessionFilterInput, $window: TimeWindow, $expand: Boolean!, $first: Int, $after: String
) {{
  sessions(filter: $filter, window: $window, expandInstances: $expand, first: $first, after: $after) {{
    edges {{ cursor node {{ {node} }} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}
"""


SESSIONS = sessions_query()

NOTIFICATIONS = """
query Notifications($sessionId: ID, $status: NotificationStatus, $first: Int! = 20, $after: String) {
  notifications(sessionId: $sessionId, status: $status, first: $first, after: $after) {
    edges {
      cursor
      node {
        id sessionId kind message status attempts lastError createdDate sentDate nextAttemptDate
        recipients { id name email phone partySize }
      }
    }
    pageInfo { endCursor hasNextPage }
  }
}
"""

CHANGE_FIELDS = "kind sessionId scheduleId revision changedFields at session { _id revision notes }"


def changes_query(node: str = CHANGE_FIELDS) -> str:
    """`changes(...)` with every argument a variable; `node` selects each change's fields."""
    return f"""
query Changes($after: String, $first: Int, $filter: ChangeFilter) {{
  changes(after: $after, first: $first, filter: $filter) {{
    edges {{ cursor node {{ {node} }} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}
"""


CHANGES = changes_query()

SESSION_UPDATED = """
subscription Updates($scheduleId: String) {
  sessionUpdated(scheduleId: $scheduleId) { _id scheduleId status notes revision }
}
"""


def entities_query(selection: str = "_id notes") -> str:
    """`_entities(representations)`; `selection` picks each found session's fields."""
    return f"""
query Entities($representations: [_Any!]!) {{
  _entities(representations: $representations) {{ ... on Session {{ {selection} }} }}
}}
"""


ENTITIES = entities_query()


# --- input ----------------------------------------------------------------------------------------


def wall_time(day: date, hour: int, minute: int = 0, zone: str | None = None) -> dict[str, object]:
    """A `CalendarDateTimeInput` given as local wall time (in `zone`, else the business zone).

    Hours and minutes are passed through unchecked, so a test can send an impossible one.
    """
    value: dict[str, object] = {
        "localDateTime": {
            "year": day.year,
            "monthOfYear": day.month,
            "dayOfMonth": day.day,
            "hourOfDay": hour,
            "minutesOfHour": minute,
        }
    }
    if zone is not None:
        value["timeZone"] = zone
    return value


def window(start: datetime, end: datetime) -> dict[str, str]:
    """A `TimeWindow` from `start` to `end`."""
    return {"from": start.isoformat(), "to": end.isoformat()}


def single_session_info(**overrides: object) -> dict[str, object]:
    """The reference's example session (30 December 2020, 15:00-16:00 UTC), fields overridable."""
    info: dict[str, object] = {
        "scheduleId": "4b21a5af-3b69-42ce-a3ba-9cf60d7b4422",
        "scheduleOwnerId": "49c7fac5-227c-44d0-a4f3-c1a5c511edf1",
        "start": {"timestamp": "2020-12-30T15:00:00.000Z"},
        "end": {"timestamp": "2020-12-30T16:00:00.000Z"},
        "tags": ["INDIVIDUAL"],
        "type": "EVENT",
        "notes": "A first note",
    }
    info.update(overrides)
    return info


# A weekly class in New York, where DST moves the UTC time of a fixed wall time.
SERIES_ZONE = "America/New_York"
FIRST_MONDAY = date(2030, 1, 7)
INSTANCE_DAY = date(2030, 1, 14)  # the series' second Monday


def weekly_series_info(
    rule: str = "FREQ=WEEKLY;BYDAY=MO",
    first: date = FIRST_MONDAY,
    hours: tuple[int, int] = (10, 11),
    zone: str = SERIES_ZONE,
    **extra: Any,
) -> dict[str, Any]:
    """A recurring session: `rule` from `first`, `hours` of wall time in `zone`; `extra` fields win."""
    return {
        "scheduleId": "schedule-1",
        "recurrence": rule,
        "start": wall_time(first, hours[0], zone=zone),
        "end": wall_time(first, hours[1], zone=zone),
        "tags": ["GROUP"],
        **extra,
    }
