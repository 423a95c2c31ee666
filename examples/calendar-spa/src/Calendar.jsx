import { ApolloProvider } from '@apollo/client/react';
import { useEffect, useState } from 'react';
import { createApolloClient } from './apollo.js';
import { SessionPanel } from './SessionPanel.jsx';
import { Toolbar } from './Toolbar.jsx';
import { useCalendarLocation } from './url-state.js';
import { WeekView } from './WeekView.jsx';

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

function CalendarPage({ token, socket, onSignOut }) {
  const { schedules, weekStart, setSchedules, setWeekStart } = useCalendarLocation();
  const [selectedId, setSelectedId] = useState(null);
  return (
    <div className="calendar">
      <Toolbar
        token={token}
        socket={socket}
        schedules={schedules}
        weekStart={weekStart}
        onSchedules={setSchedules}
        onWeek={setWeekStart}
        onSignOut={onSignOut}
      />
      <div className="calendar-main">
        {schedules.length > 0 ? (
          <WeekView schedules={schedules} weekStart={weekStart} selectedId={selectedId} onSelect={setSelectedId} />
        ) : (
          <p className="empty">Enter one or more schedule ids above to see their week.</p>
        )}
        {selectedId && (
          <SessionPanel
            key={selectedId}
            sessionId={selectedId}
            onClose={() => setSelectedId(null)}
          />
        )}
      </div>
    </div>
  );
}
