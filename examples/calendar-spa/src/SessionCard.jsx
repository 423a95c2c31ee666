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
      title={`${formatTime(start)}–${formatTime(end)} ${session.title ?? session.notes ?? ''}`.trim()}
    >
      <span className="card-time">
        {session.recurringSessionId && (
          <span className="card-repeat" title="An instance of a recurring session">
            ↻{' '}
          </span>
        )}
        {formatTime(start)}–{formatTime(end)}
      </span>
      {/* LATER(fields): `title` heads the card once the schema has it; until then the notes do. */}
      <span className="card-title">{session.title ?? (session.notes || 'Session')}</span>
      {/* LATER(fields): location { type name address } and capacity / remainingCapacity. */}
      {session.location?.name && <span className="card-location">{session.location.name}</span>}
      {session.capacity != null && (
        <span className="card-spots">
          {session.remainingCapacity ?? '?'} of {session.capacity} spots left
        </span>
      )}
    </button>
  );
}
