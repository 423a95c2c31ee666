"""GraphQL documents shared by the API tests."""

SESSION_FIELDS = """
  _id scheduleId scheduleOwnerId tags notes status type recurrence recurringSessionId
  instanceOfRecurrence revision createdDate updatedDate
  start { timestamp timeZone localDateTime { year monthOfYear dayOfMonth hourOfDay minutesOfHour } }
  end { timestamp timeZone localDateTime { year monthOfYear dayOfMonth hourOfDay minutesOfHour } }
"""

CREATE = f"""
mutation Create($info: CreateSessionInfo!) {{
  createSession(sessionInfo: $info) {{ {SESSION_FIELDS} }}
}}
"""

UPDATE = f"""
mutation Update($id: ID!, $info: UpdateSessionInfo!, $options: UpdateSessionOptions) {{
  updateSession(sessionId: $id, sessionInfo: $info, options: $options) {{ {SESSION_FIELDS} }}
}}
"""

DELETE = f"""
mutation Delete($id: ID!, $options: DeleteSessionOptions) {{
  deleteSession(sessionId: $id, options: $options) {{ {SESSION_FIELDS} }}
}}
"""

GET = f"""
query Get($id: ID!) {{ session(id: $id) {{ {SESSION_FIELDS} }} }}
"""


def single_session_info(**overrides: object) -> dict[str, object]:
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


def wall_time(
    year: int, month: int, day: int, hour: int, minute: int = 0, zone: str | None = None
) -> dict[str, object]:
    """A `CalendarDateTimeInput` given as local wall time (in `zone`, else the business zone)."""
    value: dict[str, object] = {
        "localDateTime": {
            "year": year,
            "monthOfYear": month,
            "dayOfMonth": day,
            "hourOfDay": hour,
            "minutesOfHour": minute,
        }
    }
    if zone is not None:
        value["timeZone"] = zone
    return value
