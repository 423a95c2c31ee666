// Weeks in the browser's time zone: Monday 00:00 to the next Monday 00:00.
export const DAY_MINUTES = 24 * 60;

export function startOfWeek(date) {
  const start = new Date(date.getFullYear(), date.getMonth(), date.getDate());
  const sinceMonday = (start.getDay() + 6) % 7;
  start.setDate(start.getDate() - sinceMonday);
  return start;
}

export function addDays(date, days) {
  const moved = new Date(date);
  moved.setDate(moved.getDate() + days);
  return moved;
}

/** "2030-01-07" → that day at 00:00 local time; anything else → null. */
export function parseDay(text) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text ?? '');
  if (!match) return null;
  const day = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return Number.isNaN(day.getTime()) ? null : day;
}

const pad = (number) => String(number).padStart(2, '0');

export function formatDay(date) {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

export function formatTime(date) {
  return `${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** For <input type="datetime-local">: the local wall time of an ISO instant. */
export function toInputValue(isoInstant) {
  const date = new Date(isoInstant);
  return `${formatDay(date)}T${formatTime(date)}`;
}

/** From <input type="datetime-local"> back to an ISO instant (null when empty or invalid). */
export function fromInputValue(value) {
  const date = new Date(value);
  return value && !Number.isNaN(date.getTime()) ? date.toISOString() : null;
}

/** Which day of the week (0 = Monday) and which minutes of it a session covers, clipped to the day. */
export function placeOnDay(session, weekStart, day) {
  const dayStart = addDays(weekStart, day);
  const dayEnd = addDays(weekStart, day + 1);
  const start = new Date(session.start.timestamp);
  const end = new Date(session.end.timestamp);
  if (end <= dayStart || start >= dayEnd) return null;
  const from = Math.max(0, (start - dayStart) / 60000);
  const to = Math.min(DAY_MINUTES, (end - dayStart) / 60000);
  return { from, to: Math.max(to, from + 15) };
}

/** Side-by-side lanes for overlapping sessions: [{ session, from, to, lane, lanes }]. */
export function layoutDay(placed) {
  const sorted = [...placed].sort((a, b) => a.from - b.from || b.to - a.to);
  const laidOut = [];
  let group = [];
  let groupEnd = -1;
  const closeGroup = () => {
    const lanes = Math.max(1, ...group.map((item) => item.lane + 1));
    group.forEach((item) => laidOut.push({ ...item, lanes }));
    group = [];
  };
  for (const item of sorted) {
    if (item.from >= groupEnd) {
      closeGroup();
      groupEnd = -1;
    }
    const taken = new Set(group.filter((other) => other.to > item.from).map((other) => other.lane));
    let lane = 0;
    while (taken.has(lane)) lane += 1;
    group.push({ ...item, lane });
    groupEnd = Math.max(groupEnd, item.to);
  }
  closeGroup();
  return laidOut;
}

/**
 * An instant as the API's wall time in `timeZone` ({ localDateTime, timeZone }): how every time is sent,
 * since a recurring session's times must be wall times (docs/recurring.md) and a session keeps its zone.
 */
export function wallTimeIn(isoInstant, timeZone) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    })
      .formatToParts(new Date(isoInstant))
      .map((part) => [part.type, Number(part.value)]),
  );
  return {
    localDateTime: {
      year: parts.year,
      monthOfYear: parts.month,
      dayOfMonth: parts.day,
      hourOfDay: parts.hour,
      minutesOfHour: parts.minute,
    },
    timeZone,
  };
}
