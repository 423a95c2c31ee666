import { ApolloProvider } from '@apollo/client/react';
import { useCallback, useEffect, useState } from 'react';
import { createApolloClient } from './apollo.js';
import { NARROW, useMediaQuery } from './media.js';
import { NewSession } from './NewSession.jsx';
import { SessionPanel } from './SessionPanel.jsx';
import { Toolbar } from './Toolbar.jsx';
import { useCalendarLocation } from './url-state.js';
import { addDays, startOfWeek } from './week.js';
import { WeekView } from './WeekView.jsx';

const ALL_DAYS = [0, 1, 2, 3, 4, 5, 6];

/** One Apollo Client (HTTP link, WebSocket, cache) per token; a new token starts afresh. */
export function Calendar({ token, onSignOut }) {
  const [socket, setSocket] = useState('offline');
  const [api, setApi] = useState(null);
  useEffect(() => {
    const created = createApolloClient(token, setSocket);
    setApi(created);
    return () => created.dispose();
  }, [token]);
  if (!api) return null;
  return (
    <ApolloProvider client={api.client}>
      <CalendarPage token={token} socket={socket} onSignOut={onSignOut} />
    </ApolloProvider>
  );
}

/** Which day of the shown week a narrow screen shows: today if it is in that week, else its Monday. */
function firstDayShown(weekStart) {
  const today = Math.round((startOfWeek(new Date()) - weekStart) / 86400000) === 0;
  return today ? (new Date().getDay() + 6) % 7 : 0;
}

function CalendarPage({ token, socket, onSignOut }) {
  const { schedules, weekStart, setSchedules, setWeekStart } = useCalendarLocation();
  const narrow = useMediaQuery(NARROW);
  const [day, setDay] = useState(() => firstDayShown(weekStart));
  // The open session, and what the panel says on opening (a split moves the edit to a new occurrence).
  const [selected, setSelected] = useState(null);
  const [creating, setCreating] = useState(null); // null, or { scheduleId?, start? } for the new dialog
  const select = useCallback((id, notice = null) => setSelected(id ? { id, notice } : null), []);
  const closeNew = useCallback(() => setCreating(null), []);

  const moveDay = (delta) => {
    const next = day + delta;
    if (next < 0 || next > 6) setWeekStart(addDays(weekStart, next < 0 ? -7 : 7));
    setDay((next + 7) % 7);
  };
  return (
    <div className={`calendar${narrow ? ' narrow' : ''}`}>
      <Toolbar
        token={token}
        socket={socket}
        schedules={schedules}
        weekStart={weekStart}
        day={narrow ? day : null}
        onSchedules={setSchedules}
        onWeek={setWeekStart}
        onDay={moveDay}
        onToday={() => {
          setWeekStart(new Date());
          setDay((new Date().getDay() + 6) % 7);
        }}
        onNew={() => setCreating({})}
        onSignOut={onSignOut}
      />
      <main className="calendar-main">
        {schedules.length > 0 ? (
          <WeekView
            schedules={schedules}
            weekStart={weekStart}
            days={narrow ? [day] : ALL_DAYS}
            selectedId={selected?.id}
            onSelect={select}
            onCreateAt={setCreating}
          />
        ) : (
          <p className="empty">Enter one or more schedule ids above to see their week.</p>
        )}
        {selected && (
          <SessionPanel
            key={selected.id}
            sessionId={selected.id}
            notice={selected.notice}
            onClose={() => select(null)}
            onMoved={select}
          />
        )}
      </main>
      {creating && (
        <NewSession
          schedules={schedules}
          at={creating}
          onClose={closeNew}
          onCreated={(session) => {
            setCreating(null);
            if (!schedules.includes(session.scheduleId)) setSchedules([...schedules, session.scheduleId]);
            // A series is not on the calendar, its occurrences are: open the one created first when listed.
            select(session.recurrence ? null : session._id, 'Created');
          }}
        />
      )}
    </div>
  );
}
