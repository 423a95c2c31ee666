// The documented subscription client: graphql-ws (graphql-transport-ws protocol) on Node's `ws`.
// Subscribes to sessionUpdated for one schedule, creates sessions over HTTP until the subscription is
// live, then creates one more ("the change") and waits for it. With --until-closed it then waits for
// the server to close the socket (a short-lived token) and tries one more write, which must not arrive.
//
// Usage: node subscribe.mjs <ws url> <http url> <subscriber token> <writer token> <schedule id> [--until-closed]
// Prints one JSON line: { changeId, sessions: [sessionUpdated...], errors: [...], closed: {code, reason} | null }.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const [wsUrl, httpUrl, subscriberToken, writerToken, scheduleId, mode] = process.argv.slice(2);
if (!scheduleId) {
  throw new Error('usage: node subscribe.mjs <ws url> <http url> <subscriber token> <writer token> <schedule id>');
}
const untilClosed = mode === '--until-closed';

const SUBSCRIPTION = `subscription Updates($scheduleId: String) {
  sessionUpdated(scheduleId: $scheduleId) { _id scheduleId notes revision }
}`;
const CREATE = `mutation Create($info: CreateSessionInfo!) { createSession(sessionInfo: $info) { _id } }`;

async function createSession(notes) {
  const response = await fetch(httpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${writerToken}` },
    body: JSON.stringify({
      query: CREATE,
      variables: {
        info: {
          scheduleId,
          start: { timestamp: '2030-01-07T09:00:00Z' },
          end: { timestamp: '2030-01-07T10:00:00Z' },
          notes,
        },
      },
    }),
  });
  const body = await response.json();
  if (body.errors) throw new Error(`createSession failed: ${JSON.stringify(body.errors)}`);
  return body.data.createSession._id;
}

const sessions = [];
const errors = [];
let closed = null;
let wake = () => {};

// Resolves when `done()` holds, or after `ms` milliseconds, whichever comes first.
function waitFor(done, ms) {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(done()), ms);
    wake = () => {
      if (done()) {
        clearTimeout(timer);
        resolve(true);
      }
    };
    wake();
  });
}

const client = createClient({
  url: wsUrl,
  webSocketImpl: WebSocket,
  retryAttempts: 0, // report the server's close as it is, without reconnecting
  connectionParams: { Authorization: `Bearer ${subscriberToken}` },
  on: {
    closed: (event) => {
      closed = { code: event.code, reason: event.reason };
      wake();
    },
  },
});

client.subscribe(
  { query: SUBSCRIPTION, variables: { scheduleId } },
  {
    next: (value) => {
      if (value.data) sessions.push(value.data.sessionUpdated);
      if (value.errors) errors.push(...value.errors);
      wake();
    },
    error: (error) => {
      errors.push({ message: error instanceof Error ? error.message : String(error.reason ?? error) });
      wake();
    },
    complete: () => wake(),
  },
);

// Probe writes until one is delivered: from then on the subscription is live and nothing is missed.
for (let attempt = 0; attempt < 50 && sessions.length === 0 && errors.length === 0 && !closed; attempt++) {
  await createSession('probe');
  await waitFor(() => sessions.length > 0 || errors.length > 0 || closed, 200);
}

let changeId = null;
if (sessions.length > 0) {
  changeId = await createSession('the change');
  await waitFor(() => sessions.some((s) => s._id === changeId) || errors.length > 0 || closed, 5000);
}
if (untilClosed) {
  await waitFor(() => closed, 60000);
  await createSession('after the close');
  await waitFor(() => false, 500); // anything still delivered would land in `sessions`
}

console.log(JSON.stringify({ changeId, sessions, errors, closed }));
await client.dispose();
process.exit(0);
