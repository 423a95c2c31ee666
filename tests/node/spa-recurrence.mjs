// The calendar SPA's rule picker (examples/calendar-spa/src/recurrence.js), run in Node in UTC: for each
// { repeat, start: "YYYY-MM-DDTHH:MM" } given as JSON (argv[2]), the RRULE the form would send; prints
// one JSON list.
process.env.TZ = 'UTC';
const { ruleOf } = await import('../../examples/calendar-spa/src/recurrence.js');

const cases = JSON.parse(process.argv[2]);
console.log(JSON.stringify(cases.map(({ repeat, start }) => ruleOf(repeat, new Date(start)))));
