import { useQuery, useSubscription } from '@apollo/client/react';
import { useEffect, useRef } from 'react';
import { explain, firstError } from './errors.js';
import { SESSION_UPDATED, WEEK_SESSIONS } from './operations.js';
import { SessionCard } from './SessionCard.jsx';
import { addDays, DAY_MINUTES, formatDay, layoutDay, placeOnDay } from './week.js';

export const HOUR_HEIGHT = 48; // pixels
const FIRST_HOUR_SHOWN = 7; // the week opens scrolled to 07:00
const DAYS = [0, 1, 2, 3, 4, 5, 6];
const DAY_NAME = new Intl.DateTimeFormat('en', { weekday: 'short', day: 'numeric', month: 'short' });

export function WeekView({ schedules, weekStart, selectedId, onSelect }) {
  const bodyHeight = (DAY_MINUTES / 60) * HOUR_HEIGHT;
  const scroller = useRef(null);
  useEffect(() => {
    scroller.current.scrollTop = FIRST_HOUR_SHOWN * HOUR_HEIGHT;
  }, []);
  return (
    <section className="week" data-testid="week" data-week={formatDay(weekStart)} aria-label="Week">
      <div className="week-header">
        <div className="gutter" />
        {DAYS.map((day) => (
          <div key={day} className="day-name">
            {DAY_NAME.format(addDays(weekStart, day))}
          </div>
        ))}
      </div>
      <div className="schedule-legend">
        {schedules.map((scheduleId, index) => (
          <span key={scheduleId} className={`legend schedule-${index % 6}`}>
            {scheduleId}
          </span>
        ))}
      </div>
      <div className="week-scroll" ref={scroller}>
        <div className="week-body" style={{ height: bodyHeight }}>
          <div className="hours">
            {Array.from({ length: 24 }, (_, hour) => (
              <div key={hour} className="hour" style={{ height: HOUR_HEIGHT }}>
                {String(hour).padStart(2, '0')}:00
              </div>
            ))}
          </div>
          <div className="days">
            {DAYS.map((day) => (
              <div key={day} className="day-column" style={{ left: `${(day / 7) * 100}%` }} />
            ))}
            {schedules.map((scheduleId, index) => (
              <ScheduleLayer
                key={scheduleId}
                scheduleId={scheduleId}
                index={index}
                count={schedules.length}
                weekStart={weekStart}
                selectedId={selectedId}
                onSelect={onSelect}
              />
            ))}
          </div>
        </div>
      </div>
    </section>
  );
}

/** One schedule's sessions, each day in its own share of the day column, kept live by sessionUpdated. */
function ScheduleLayer({ scheduleId, index, count, weekStart, selectedId, onSelect }) {
  const variables = {
    scheduleId,
    from: weekStart.toISOString(),
    to: addDays(weekStart, 7).toISOString(),
  };
  const { data, error, refetch } = useQuery(WEEK_SESSIONS, { variables, errorPolicy: 'all' });
  const sessions = (data?.sessions.edges ?? []).map((edge) => edge.node);
  const listed = useRef(new Set());
  listed.current = new Set(sessions.map((session) => session._id));

  useSubscription(SESSION_UPDATED, {
    variables: { scheduleId },
    onData: ({ data: update }) => {
      const session = update.data?.sessionUpdated;
      if (!session) return;
      // Apollo has already written it into the cache under its _id, so a listed session redraws by
      // itself. One the week did not list (new, or moved here), or a series whose instances may all
      // have changed, changes which sessions the week holds: ask again.
      if (!listed.current.has(session._id) || session.recurrence) refetch();
    },
  });

  const shown = sessions.filter((session) => session.scheduleId === scheduleId);
  return (
    <div className="schedule-layer" data-testid="schedule-layer" data-schedule-id={scheduleId}>
      {error && (
        <p className="layer-error" role="alert">
          {scheduleId}: {explain(firstError(error))}
        </p>
      )}
      {data?.sessions.pageInfo.hasNextPage && (
        <p className="layer-error" role="status">
          {scheduleId}: more sessions this week than shown
        </p>
      )}
      {DAYS.flatMap((day) => {
        const placed = shown
          .map((session) => ({ session, ...placeOnDay(session, weekStart, day) }))
          .filter((item) => item.from !== undefined);
        return layoutDay(placed).map(({ session, from, to, lane, lanes }) => (
          <SessionCard
            key={`${session._id}-${day}`}
            session={session}
            selected={session._id === selectedId}
            colour={index % 6}
            onSelect={onSelect}
            style={{
              top: (from / 60) * HOUR_HEIGHT,
              height: ((to - from) / 60) * HOUR_HEIGHT - 2,
              left: `${((day + (index + lane / lanes) / count) / 7) * 100}%`,
              width: `calc(${100 / (7 * count * lanes)}% - 3px)`,
            }}
          />
        ));
      })}
    </div>
  );
}
