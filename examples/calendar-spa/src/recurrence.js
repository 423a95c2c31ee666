// The form's small rule picker and the RRULE it stands for (docs/recurring.md lists what the API takes):
// none, daily, weekly on some days, or monthly on the nth (or last) weekday of the start; ending never,
// on a date (UNTIL, the end of that day here) or after a number of times (COUNT).

export const WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];
export const WEEKDAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const ORDINALS = ['1st', '2nd', '3rd', '4th', '5th'];

/** 0 = Monday, as WEEKDAYS. */
export const weekdayOf = (date) => (date.getDay() + 6) % 7;

/** Which nth weekday of its month a date is: { nth: 1…5, last: true when no later one that month }. */
export function nthWeekday(date) {
  const nth = Math.ceil(date.getDate() / 7);
  const inAWeek = new Date(date.getFullYear(), date.getMonth(), date.getDate() + 7);
  return { nth, last: inAWeek.getMonth() !== date.getMonth() };
}

/** "2nd Tuesday" / "last Tuesday", for the monthly choice. */
export function monthlyLabel(date, useLast) {
  const { nth } = nthWeekday(date);
  return `${useLast ? 'last' : ORDINALS[nth - 1]} ${WEEKDAY_NAMES[weekdayOf(date)]}`;
}

const pad = (number) => String(number).padStart(2, '0');

/** "2030-02-28" → the last second of that day here, as RRULE's UTC form 20300228T235959Z. */
export function untilOf(day) {
  const [year, month, date] = day.split('-').map(Number);
  const instant = new Date(year, month - 1, date, 23, 59, 59);
  return (
    `${instant.getUTCFullYear()}${pad(instant.getUTCMonth() + 1)}${pad(instant.getUTCDate())}` +
    `T${pad(instant.getUTCHours())}${pad(instant.getUTCMinutes())}${pad(instant.getUTCSeconds())}Z`
  );
}

/**
 * The RRULE for the picker's state, or null for "does not repeat".
 * repeat: { freq: 'NONE'|'DAILY'|'WEEKLY'|'MONTHLY', days: ['MO',…], lastWeekday: bool,
 *           ends: 'NEVER'|'UNTIL'|'COUNT', until: 'YYYY-MM-DD', count: number }
 */
export function ruleOf(repeat, start) {
  if (repeat.freq === 'NONE') return null;
  const parts = [`FREQ=${repeat.freq}`];
  if (repeat.freq === 'WEEKLY') {
    const days = WEEKDAYS.filter((day) => repeat.days.includes(day));
    parts.push(`BYDAY=${(days.length ? days : [WEEKDAYS[weekdayOf(start)]]).join(',')}`);
  }
  if (repeat.freq === 'MONTHLY') {
    const ordinal = repeat.lastWeekday ? -1 : nthWeekday(start).nth;
    parts.push(`BYDAY=${ordinal}${WEEKDAYS[weekdayOf(start)]}`);
  }
  if (repeat.ends === 'UNTIL' && repeat.until) parts.push(`UNTIL=${untilOf(repeat.until)}`);
  if (repeat.ends === 'COUNT' && repeat.count) parts.push(`COUNT=${repeat.count}`);
  return parts.join(';');
}
