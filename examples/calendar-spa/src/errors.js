// What the server's `extensions.code` means for this page (docs/spa.md lists them all).
import { CombinedGraphQLErrors, ServerError } from '@apollo/client/errors';

const detailOf = (code, message, extensions = {}) => ({
  code,
  message,
  field: extensions.field ?? null,
  currentRevision: extensions.currentRevision ?? null,
  reference: extensions.reference ?? null,
  // SCHEDULE_CONFLICT: [{ scheduleId, sessionId, start, end }]; a series' capacity: [{ sessionId, date, … }]
  conflicts: Array.isArray(extensions.conflicts) ? extensions.conflicts : [],
  overCapacity: Array.isArray(extensions.overCapacity) ? extensions.overCapacity : [],
});

/** The first GraphQL error of an Apollo error as { code, message, field, currentRevision, reference, conflicts }. */
export function firstError(error) {
  if (CombinedGraphQLErrors.is(error) && error.errors.length > 0) {
    const [first] = error.errors;
    const extensions = first.extensions ?? {};
    return detailOf(typeof extensions.code === 'string' ? extensions.code : 'INTERNAL', first.message, extensions);
  }
  if (ServerError.is(error)) return detailOf(`HTTP_${error.statusCode}`, error.message);
  return detailOf('NETWORK', String(error?.message ?? error));
}

/**
 * A sentence for a person, by code. A refusal (the input, the role, the schedule, the session) is the
 * server's own message, shown once: it already names the field, so nothing is put in front of it.
 */
export function explain(detail) {
  switch (detail.code) {
    case 'UNAUTHENTICATED':
      return 'The server did not accept your token (expired or not valid): sign out and paste a new one.';
    case 'CONFLICT':
      return 'Someone else saved this session first.';
    case 'UNAVAILABLE':
      return 'The server cannot reach its database right now; try again in a moment.';
    case 'INTERNAL':
      return `The server failed${detail.reference ? ` (reference ${detail.reference})` : ''}.`;
    case 'NETWORK':
      return 'The server cannot be reached.';
    default:
      // BAD_USER_INPUT, FORBIDDEN, NOT_FOUND, SCHEDULE_CONFLICT and anything newer.
      return detail.message;
  }
}
