import { locationLabel, spotsLeft } from './session-text.js';
import { formatTime } from './week.js';

export function SessionCard({ session, selected, colour, style, onSelect }) {
  const start = new Date(session.start.timestamp);
  const end = new Date(session.end.timestamp);
  const classes = ['session-card', `schedule-${colour}`];
  if (selected) classes.push('selected');
  if (session.status === 'CANCELLED') classes.push('cancelled');
  if (session.type === 'WORKING_HOURS') classes.push('working-hours');
  return (
    <button
      type="button"
      className={classes.join(' ')}
      style={style}
      data-testid="session-card"
      data-session-id={session._id}
      data-revision={session.revision}
      onClick={() => onSelect(session._id)}
      aria-pressed={selected}
      title={`${formatTime(start)}–${formatTime(end)} ${session.title || session.notes || ''}`.trim()}
    >
      <span className="card-time">
        {session.recurringSessionId && (
          <span className="card-repeat" title="An instance of a recurring session">
            ↻{' '}
          </span>
        )}
        {formatTime(start)}–{formatTime(end)}
      </span>
      {/* The title heads the card; a session without one is known by its notes. */}
      <span className="card-title">{session.title || session.notes || 'Session'}</span>
      {session.location && (
        <span className="card-location" data-testid="card-location">
          {locationLabel(session.location)}
        </span>
      )}
      {session.remainingCapacity != null && (
        <span className="card-spots" data-testid="card-spots">
          {spotsLeft(session.remainingCapacity)}
        </span>
      )}
    </button>
  );
}
