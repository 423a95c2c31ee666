// Runs graphql-http's GraphQL-over-HTTP server audits against a live server.
// Usage: node audit.mjs <graphql url>; prints one JSON line: [{id, name, status, reason}].
import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url) throw new Error('usage: node audit.mjs <graphql url>');

const results = await auditServer({ url });
const report = await Promise.all(
  results.map(async (result) => ({
    id: result.id,
    name: result.name,
    status: result.status,
    reason: result.status === 'ok' ? null : result.reason,
    response:
      result.status === 'ok'
        ? null
        : { status: result.response.status, body: (await result.response.text()).slice(0, 300) },
  })),
);
console.log(JSON.stringify(report));
