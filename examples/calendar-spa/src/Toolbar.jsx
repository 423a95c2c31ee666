import { useState } from 'react';
import { describeToken } from './token.js';
import { addDays, formatDay } from './week.js';

const SOCKET_LABELS = {
  live: 'Live',
  connecting: 'Connecting…',
  offline: 'Not live',
  refused: 'Live updates refused (token)',
};

export function Toolbar({ token, socket, schedules, weekStart, onSchedules, onWeek, onSignOut }) {
  const [text, setText] = useState(schedules.join(', '));
  const holder = describeToken(token);
  const weekEnd = addDays(weekStart, 6);
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
      <nav className="week-nav" aria-label="Week">
        <button type="button" onClick={() => onWeek(addDays(weekStart, -7))} aria-label="Previous week">
          ‹
        </button>
        <span className="week-label" data-testid="week-label">
          {formatDay(weekStart)} – {formatDay(weekEnd)}
        </span>
        <button type="button" onClick={() => onWeek(addDays(weekStart, 7))} aria-label="Next week">
          ›
        </button>
        <button type="button" onClick={() => onWeek(new Date())}>
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
