import { locationLabel, spotsLeft } from './session-text.js';
import { formatTime } from './week.js';

/** A card's tooltip: everything it shows, in words. */
function described(session, start, end) {
  const parts = [
    `${formatTime(start)} to ${formatTime(end)}`,
    session.type === 'WORKING_HOURS' ? 'working hours' : session.title || session.notes || 'Session',
    session.scheduleId,
  ];
  if (session.recurringSessionId) parts.push('repeats');
  if (session.location) parts.push(locationLabel(session.location));
  if (session.remainingCapacity != null) parts.push(spotsLeft(session.remainingCapacity));
  if (session.status === 'CANCELLED') parts.push('cancelled');
  return parts.join(', ');
}

/**
 * A session on the week: its time first and never cut (it may wrap at the dash in a narrow lane), then
 * its title, then its location and spots left on one line. A short session puts time and title on one
 * line. Hovered or focused, a card grows to show all it holds.
 */
export function SessionCard({ session, selected, colour, style, short = false, onSelect }) {
  const start = new Date(session.start.timestamp);
  const end = new Date(session.end.timestamp);
  const classes = ['session-card', `schedule-${colour}`];
  if (selected) classes.push('selected');
  if (short) classes.push('short');
  if (session.status === 'CANCELLED') classes.push('cancelled');
  if (session.type === 'WORKING_HOURS') classes.push('working-hours');
  const label = described(session, start, end);
  // Working hours show no text: they are named. Other cards are named by what they show (the visible
  // text is the name, as WCAG 2.5.3 asks), plus, for screen readers, what only colour and icons tell.
  return (
    <button
      type="button"
      className={classes.join(' ')}
      style={style}
      data-testid="session-card"
      data-session-id={session._id}
      data-revision={session.revision}
      data-status={session.status}
      data-start={session.start.timestamp}
      data-end={session.end.timestamp}
      onClick={() => onSelect(session._id)}
      aria-pressed={selected}
      aria-label={session.type === 'WORKING_HOURS' ? label : undefined}
      title={label}
    >
      {session.type !== 'WORKING_HOURS' && (
        <>
          <span className="card-time" data-testid="card-time">
            {session.recurringSessionId && (
              <span className="card-repeat" aria-hidden="true">
                ↻{' '}
              </span>
            )}
            {formatTime(start)}–<wbr />
            {formatTime(end)}
          </span>
          {/* The title heads the card; a session without one is known by its notes. */}
          <span className="card-title">{session.title || session.notes || 'Session'}</span>
          {(session.location || session.remainingCapacity != null || session.status === 'CANCELLED') && (
            <span className="card-meta">
              {session.status === 'CANCELLED' && <span className="card-status">Cancelled </span>}
              {session.location && <span data-testid="card-location">{locationLabel(session.location)}</span>}
              {session.location && session.remainingCapacity != null && ' · '}
              {session.remainingCapacity != null && <span data-testid="card-spots">{spotsLeft(session.remainingCapacity)}</span>}
            </span>
          )}
          <span className="sr-only">
            , {session.scheduleId}
            {session.recurringSessionId ? ', repeats' : ''}
          </span>
        </>
      )}
    </button>
  );
}
