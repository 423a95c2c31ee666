import { useState } from 'react';
import { describeToken } from './token.js';
import { addDays, formatDay } from './week.js';

const SOCKET_LABELS = {
  live: 'Live',
  connecting: 'Connecting…',
  offline: 'Not live',
  refused: 'Live updates refused (token)',
};

/** Schedules, "New session", and the week's navigation (a day's, when `day` is given: narrow screens). */
export function Toolbar({ token, socket, schedules, weekStart, day, onSchedules, onWeek, onDay, onToday, onNew, onSignOut }) {
  const [text, setText] = useState(schedules.join(', '));
  const holder = describeToken(token);
  const byDay = day !== null;
  const step = (delta) => (byDay ? onDay(delta) : onWeek(addDays(weekStart, 7 * delta)));
  const unit = byDay ? 'day' : 'week';
  return (
    <header className="toolbar">
      <form
        className="schedules"
        onSubmit={(event) => {
          event.preventDefault();
          onSchedules(text.split(',').map((id) => id.trim()).filter(Boolean));
        }}
      >
        <label htmlFor="schedules">Schedules</label>
        <input
          id="schedules"
          value={text}
          onChange={(event) => setText(event.target.value)}
          placeholder="schedule ids, comma-separated"
        />
        <button type="submit">Show</button>
      </form>
      <button type="button" className="primary" onClick={onNew}>
        New session
      </button>
      <nav className="week-nav" aria-label={byDay ? 'Day' : 'Week'}>
        <button type="button" onClick={() => step(-1)} aria-label={`Previous ${unit}`}>
          ‹
        </button>
        <span className="week-label" data-testid="week-label">
          {byDay ? formatDay(addDays(weekStart, day)) : `${formatDay(weekStart)} – ${formatDay(addDays(weekStart, 6))}`}
        </span>
        <button type="button" onClick={() => step(1)} aria-label={`Next ${unit}`}>
          ›
        </button>
        <button type="button" onClick={onToday}>
          Today
        </button>
      </nav>
      <span className={`socket socket-${socket}`} data-testid="socket-state" data-state={socket}>
        {SOCKET_LABELS[socket] ?? socket}
      </span>
      <span className="holder">
        {holder?.subject ?? 'token'}
        {holder?.roles.length ? ` (${holder.roles.join(', ')})` : ''}
      </span>
      <button type="button" onClick={onSignOut}>
        Sign out
      </button>
    </header>
  );
}
