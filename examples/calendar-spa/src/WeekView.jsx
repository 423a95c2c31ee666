import { useQuery, useSubscription } from '@apollo/client/react';
import { useEffect, useRef } from 'react';
import { explain, firstError } from './errors.js';
import { AVAILABILITY, SESSION_UPDATED, WEEK_SESSIONS } from './operations.js';
import { SessionCard } from './SessionCard.jsx';
import { addDays, DAY_MINUTES, formatDay, formatTime, layoutDay, placeOnDay } from './week.js';

// Tall enough that a one-hour card shows its time, title and a line of location and spots unclipped.
export const HOUR_HEIGHT = 64; // pixels
const FIRST_HOUR_SHOWN = 7; // the week opens scrolled to 07:00
const SLOT_MINUTES = 30; // a click on an empty slot starts a session on the half hour
const DAY_NAME = new Intl.DateTimeFormat('en', { weekday: 'short', day: 'numeric', month: 'short' });

/**
 * The shown days (`days`: offsets from weekStart, all seven or, on a narrow screen, one) of one or more
 * schedules side by side in each day, their free time shaded. A click on an empty slot asks for a new
 * session there (onCreateAt).
 */
export function WeekView({ schedules, weekStart, days, selectedId, onSelect, onCreateAt }) {
  const bodyHeight = (DAY_MINUTES / 60) * HOUR_HEIGHT;
  const scroller = useRef(null);
  useEffect(() => {
    scroller.current.scrollTop = FIRST_HOUR_SHOWN * HOUR_HEIGHT;
  }, []);
  const window = { from: weekStart.toISOString(), to: addDays(weekStart, 7).toISOString() };
  const { data: availability, refetch: refetchAvailability } = useQuery(AVAILABILITY, {
    variables: { scheduleIds: schedules, ...window },
    errorPolicy: 'all',
  });
  const freeOf = (scheduleId) => availability?.availability.find((a) => a.scheduleId === scheduleId)?.free ?? [];

  function clickSlot(event) {
    if (event.target.closest('button')) return; // a session card
    const box = event.currentTarget.getBoundingClientRect();
    const across = ((event.clientX - box.left) / box.width) * days.length;
    const column = Math.min(days.length - 1, Math.max(0, Math.floor(across)));
    const schedule = Math.min(schedules.length - 1, Math.floor((across - column) * schedules.length));
    const minutes = Math.floor(((event.clientY - box.top) / HOUR_HEIGHT) * 60 / SLOT_MINUTES) * SLOT_MINUTES;
    const start = addDays(weekStart, days[column]);
    start.setMinutes(minutes);
    onCreateAt({ scheduleId: schedules[schedule], start });
  }

  return (
    <section className="week" data-testid="week" data-week={formatDay(weekStart)} data-days={days.length} aria-label="Calendar">
      <div className="week-header" style={{ gridTemplateColumns: `3.5rem repeat(${days.length}, 1fr)` }}>
        <div className="gutter" />
        {days.map((day) => (
          <div key={day} className="day-name" data-testid="day-name">
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
        <span className="legend free-sample">free time</span>
      </div>
      {/* Focusable, so the hours scroll by keyboard on a day without sessions too. */}
      <div className="week-scroll" ref={scroller} tabIndex={0} role="region" aria-label="Hours">
        <div className="week-body" style={{ height: bodyHeight }}>
          <div className="hours" aria-hidden="true">
            {Array.from({ length: 24 }, (_, hour) => (
              <div key={hour} className="hour" style={{ height: HOUR_HEIGHT }}>
                {String(hour).padStart(2, '0')}:00
              </div>
            ))}
          </div>
          {/* Clicks on empty time create; keyboard users have the toolbar's "New session". */}
          <div className="days" data-testid="days" onClick={clickSlot} style={{ backgroundSize: `100% ${HOUR_HEIGHT}px` }}>
            {days.map((day, column) => (
              <div key={day} className="day-column" style={{ left: `${(column / days.length) * 100}%`, width: `${100 / days.length}%` }} />
            ))}
            {schedules.map((scheduleId, index) => (
              <ScheduleLayer
                key={scheduleId}
                scheduleId={scheduleId}
                index={index}
                count={schedules.length}
                weekStart={weekStart}
                days={days}
                free={freeOf(scheduleId)}
                selectedId={selectedId}
                onSelect={onSelect}
                onChange={refetchAvailability}
              />
            ))}
          </div>
        </div>
      </div>
    </section>
  );
}

/** Where in the shown days a schedule's share of a day column is: left and width, as CSS. */
function columnBox(column, columns, index, count, lane = 0, lanes = 1, inset = 0) {
  return {
    left: `calc(${((column + (index + lane / lanes) / count) / columns) * 100}% + ${inset}px)`,
    width: `calc(${100 / (columns * count * lanes)}% - ${inset + 3}px)`,
  };
}

/** One schedule's sessions and free time, each day in its own share of the day column, kept live. */
function ScheduleLayer({ scheduleId, index, count, weekStart, days, free, selectedId, onSelect, onChange }) {
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
      // have changed, changes which sessions the week holds: ask again. Free time follows any change.
      if (!listed.current.has(session._id) || session.recurrence) refetch();
      onChange();
    },
  });

  const shown = sessions.filter((session) => session.scheduleId === scheduleId);
  // Working hours are open time, not appointments: a thin strip at the column's edge (free time shows them).
  const hours = shown.filter((session) => session.type === 'WORKING_HOURS');
  const events = shown.filter((session) => session.type !== 'WORKING_HOURS');
  const placedOn = (list, day) =>
    list.map((session) => ({ session, ...placeOnDay(session, weekStart, day) })).filter((item) => item.from !== undefined);
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
      {days.flatMap((day, column) =>
        placedOn(free.map((interval) => ({ start: { timestamp: interval.start }, end: { timestamp: interval.end } })), day).map(
          ({ session: interval, from, to }) => (
            <div
              key={`free-${interval.start.timestamp}-${day}`}
              className="free-time"
              data-testid="free-time"
              data-schedule-id={scheduleId}
              data-from={formatTime(new Date(interval.start.timestamp))}
              data-to={formatTime(new Date(interval.end.timestamp))}
              aria-hidden="true"
              style={{ top: (from / 60) * HOUR_HEIGHT, height: ((to - from) / 60) * HOUR_HEIGHT, ...columnBox(column, days.length, index, count) }}
            />
          ),
        ),
      )}
      {days.flatMap((day, column) =>
        placedOn(hours, day).map(({ session, from, to }) => (
          <SessionCard
            key={`${session._id}-${day}`}
            session={session}
            selected={session._id === selectedId}
            colour={index % 6}
            onSelect={onSelect}
            style={{
              top: (from / 60) * HOUR_HEIGHT,
              height: ((to - from) / 60) * HOUR_HEIGHT,
              left: `calc(${((column + index / count) / days.length) * 100}% + 1px)`,
              width: 6,
            }}
          />
        )),
      )}
      {days.flatMap((day, column) =>
        layoutDay(placedOn(events, day)).map(({ session, from, to, lane, lanes }) => (
          <SessionCard
            key={`${session._id}-${day}`}
            session={session}
            selected={session._id === selectedId}
            colour={index % 6}
            onSelect={onSelect}
            short={to - from < 45}
            style={{
              top: (from / 60) * HOUR_HEIGHT,
              height: ((to - from) / 60) * HOUR_HEIGHT - 2,
              '--card-height': `${((to - from) / 60) * HOUR_HEIGHT - 2}px`,
              // Clear of the working-hours strip, when there is one.
              ...columnBox(column, days.length, index, count, lane, lanes, hours.length ? 8 : 2),
            }}
          />
        )),
      )}
    </div>
  );
}
