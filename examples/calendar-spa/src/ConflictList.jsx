import { useApolloClient } from '@apollo/client/react';
import { SESSION_FIELDS } from './operations.js';
import { formatDay, formatTime } from './week.js';

/**
 * A write refused with SCHEDULE_CONFLICT (double-booking protection on): the server's message once, then
 * the sessions it overlaps (extensions.conflicts), named by their titles when this page has them.
 */
export function ConflictList({ detail }) {
  const client = useApolloClient();
  const titleOf = (sessionId) => {
    const known = client.cache.readFragment({
      fragment: SESSION_FIELDS,
      fragmentName: 'CalendarSession',
      id: client.cache.identify({ __typename: 'Session', _id: sessionId }),
    });
    return known?.title || known?.notes || 'A session';
  };
  return (
    <div className="conflict-panel" role="alert" data-testid="conflict-panel">
      <p>
        <strong>This time is taken.</strong> {detail.message}
      </p>
      <ul>
        {detail.conflicts.map((conflict) => {
          const start = new Date(conflict.start);
          const end = new Date(conflict.end);
          return (
            <li key={`${conflict.sessionId}-${conflict.start}`} data-testid="conflict" data-session-id={conflict.sessionId}>
              {titleOf(conflict.sessionId)} · {conflict.scheduleId} · {formatDay(start)} {formatTime(start)}–
              {formatTime(end)}
            </li>
          );
        })}
      </ul>
      <p className="hint">Pick another time, or turn off “Refuse double bookings” to book it anyway.</p>
    </div>
  );
}
