// A calendar feed as Thunderbird reads it: parsed and expanded by ical.js, Mozilla's iCalendar parser.
// Registers the feed's VTIMEZONEs, relates each overriding VEVENT (RECURRENCE-ID) to its master by UID,
// and expands every event's occurrences overlapping [from, to).
//
// Usage: node ical-feed.mjs <file.ics> <from ISO instant> <to ISO instant>
// Prints one JSON line: { zones: [TZID...], rows: [[start ISO, end ISO, summary | null]...] } (UTC, sorted;
// an all-day event's start and end as its dates, YYYY-MM-DD, the end exclusive).
import { readFileSync } from 'node:fs';
import ICAL from 'ical.js';

const [file, fromText, toText] = process.argv.slice(2);
if (!toText) throw new Error('usage: node ical-feed.mjs <file.ics> <from> <to>');
const from = new Date(fromText);
const to = new Date(toText);

const calendar = new ICAL.Component(ICAL.parse(readFileSync(file, 'utf8')));
const zones = calendar.getAllSubcomponents('vtimezone').map((zone) => {
  ICAL.TimezoneService.register(zone);
  return zone.getFirstPropertyValue('tzid');
});

const masters = new Map();
const overrides = [];
for (const component of calendar.getAllSubcomponents('vevent')) {
  const event = new ICAL.Event(component);
  if (event.isRecurrenceException()) overrides.push(event);
  else masters.set(event.uid, event);
}
for (const override of overrides) {
  const master = masters.get(override.uid);
  if (!master) throw new Error(`an override without its master: ${override.uid}`);
  master.relateException(override);
}

const rows = [];
const text = (time) => (time.isDate ? time.toString() : time.toJSDate().toISOString());
const keep = (start, end, summary) => {
  if (end.toJSDate() > from && start.toJSDate() < to) rows.push([text(start), text(end), summary ?? null]);
};
for (const event of masters.values()) {
  if (!event.isRecurring()) {
    keep(event.startDate, event.endDate, event.summary);
    continue;
  }
  const occurrences = event.iterator();
  for (let next = occurrences.next(); next; next = occurrences.next()) {
    const details = event.getOccurrenceDetails(next);
    // An occurrence is moved by at most a few days; a nominal start well past `to` ends the series.
    if (next.toJSDate() > new Date(to.getTime() + 7 * 86400000)) break;
    keep(details.startDate, details.endDate, details.item.summary);
  }
}
rows.sort((a, b) => (a[0] + a[1] + (a[2] ?? '')).localeCompare(b[0] + b[1] + (b[2] ?? '')));
console.log(JSON.stringify({ zones: zones.sort(), rows }));
