// Which schedules and week are shown lives in the URL (?schedules=a,b&week=2030-01-07), so a view can be
// bookmarked or shared; the token never does.
import { useCallback, useState } from 'react';
import { formatDay, parseDay, startOfWeek } from './week.js';

function read() {
  const params = new URLSearchParams(window.location.search);
  const schedules = (params.get('schedules') ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean);
  const weekStart = startOfWeek(parseDay(params.get('week')) ?? new Date());
  return { schedules: [...new Set(schedules)], weekStart };
}

function write({ schedules, weekStart }) {
  const params = new URLSearchParams(window.location.search);
  params.set('schedules', schedules.join(','));
  params.set('week', formatDay(weekStart));
  window.history.replaceState(null, '', `${window.location.pathname}?${params}`);
}

export function useCalendarLocation() {
  const [state, setState] = useState(read);
  const update = useCallback((change) => {
    setState((previous) => {
      const next = { ...previous, ...change };
      write(next);
      return next;
    });
  }, []);
  return {
    ...state,
    setSchedules: (schedules) => update({ schedules: [...new Set(schedules)] }),
    setWeekStart: (weekStart) => update({ weekStart: startOfWeek(weekStart) }),
  };
}
