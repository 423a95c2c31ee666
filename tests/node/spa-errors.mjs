// The calendar SPA's error sentences (examples/calendar-spa/src/errors.js) for server errors given as
// JSON (argv[2], a list of GraphQL error objects): prints the sentences, one JSON list.
import { explain } from '../../examples/calendar-spa/src/errors.js';

const errors = JSON.parse(process.argv[2]);
const details = errors.map((error) => ({
  code: error.extensions?.code ?? 'INTERNAL',
  message: error.message,
  field: error.extensions?.field ?? null,
  currentRevision: null,
  reference: null,
}));
console.log(JSON.stringify(details.map(explain)));
