// Every document the page sends. Apollo's persisted-queries link sends each by its SHA-256 once the
// server knows it, so they are written once here and never built from strings at run time.
import { gql } from '@apollo/client';

// The fields a calendar shows and edits, the same everywhere so no update leaves a session half-filled.
// `notes` and `location` need a staff, admin or service token (for others they come back null, with a
// FORBIDDEN field error the week's errorPolicy 'all' tolerates). `revision` goes back with every save.
export const SESSION_FIELDS = gql`
  fragment CalendarSession on Session {
    _id
    scheduleId
    status
    type
    revision
    title
    notes
    location {
      type
      name
      address
    }
    capacity
    remainingCapacity
    recurrenceType
    recurrence
    recurringSessionId
    start {
      timestamp
      timeZone
    }
    end {
      timestamp
      timeZone
    }
    totalNumberOfParticipants
  }
`;

// One schedule's week; recurring sessions arrive as their instances (expandInstances).
export const WEEK_SESSIONS = gql`
  query WeekSessions($scheduleId: String!, $from: DateTime!, $to: DateTime!) {
    sessions(
      filter: { scheduleId: $scheduleId }
      window: { from: $from, to: $to }
      expandInstances: true
      first: 500
    ) {
      edges {
        node {
          ...CalendarSession
        }
      }
      pageInfo {
        hasNextPage
      }
    }
  }
  ${SESSION_FIELDS}
`;

export const SESSION = gql`
  query Session($id: ID!) {
    session(id: $id) {
      ...CalendarSession
    }
  }
  ${SESSION_FIELDS}
`;

export const SESSION_UPDATED = gql`
  subscription SessionUpdated($scheduleId: String) {
    sessionUpdated(scheduleId: $scheduleId) {
      ...CalendarSession
    }
  }
  ${SESSION_FIELDS}
`;

export const UPDATE_SESSION = gql`
  mutation UpdateSession($id: ID!, $info: UpdateSessionInfo!, $options: UpdateSessionOptions) {
    updateSession(sessionId: $id, sessionInfo: $info, options: $options) {
      ...CalendarSession
    }
  }
  ${SESSION_FIELDS}
`;

// `conflicts: REFUSE` (the form's "Refuse double bookings") makes an overlap SCHEDULE_CONFLICT.
export const CREATE_SESSION = gql`
  mutation CreateSession($info: CreateSessionInfo!, $options: CreateSessionOptions) {
    createSession(sessionInfo: $info, options: $options) {
      ...CalendarSession
    }
  }
  ${SESSION_FIELDS}
`;

// A soft delete (status CANCELLED); `updateSession` with status CONFIRMED restores it.
export const DELETE_SESSION = gql`
  mutation DeleteSession($id: ID!, $options: DeleteSessionOptions) {
    deleteSession(sessionId: $id, options: $options) {
      ...CalendarSession
    }
  }
  ${SESSION_FIELDS}
`;

// The shown schedules' free time in the shown week, shaded behind their sessions.
export const AVAILABILITY = gql`
  query Availability($scheduleIds: [String!]!, $from: DateTime!, $to: DateTime!) {
    availability(scheduleIds: $scheduleIds, window: { from: $from, to: $to }) {
      scheduleId
      free {
        start
        end
      }
    }
  }
`;
