// Hive Gateway (@graphql-hive/gateway-runtime, in process) in front of the live server (subgraph
// "sessions") and the "rooms" subgraph (rooms-subgraph.mjs, over HTTP), with the supergraph composed by
// @theguild/federation-composition from the live `_service { sdl }`. The gateway forwards the client's
// Authorization header to the subgraphs.
//
// Subscriptions go to our server over graphql-ws (@graphql-mesh/transport-ws), the client's token in
// `connection_init`; clients subscribe to the gateway with Server-Sent Events.
//
// Usage: node hive-gateway.mjs queries <graphql url> <staff token> <session id>...
//        node hive-gateway.mjs subscription <graphql url> <staff token> <admin token> <session id> <its scheduleId>
// Prints one JSON line: { results: { name: body }, requests: [{ subgraph, query, representations,
// authorization }] } with every HTTP request the gateway sent to a subgraph.
import { createGatewayRuntime } from '@graphql-hive/gateway-runtime';
import { composeServices } from '@theguild/federation-composition';
import { parse } from 'graphql';
import { roomsTypeDefs, startRoomsSubgraph } from './rooms-subgraph.mjs';

const [mode, url, token, ...rest] = process.argv.slice(2);
const [adminToken, scheduleId] = mode === 'subscription' ? [rest.shift(), rest.pop()] : [null, null];
const sessionIds = rest;
if (!['queries', 'subscription'].includes(mode) || !url || !token || sessionIds.length === 0) {
  throw new Error('usage: node hive-gateway.mjs <queries|subscription> <graphql url> <token> [<admin token>] <id>... [<scheduleId>]');
}

const rooms = await startRoomsSubgraph(sessionIds);
const sdlResponse = await fetch(url, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ query: '{ _service { sdl } }' }),
});
const composed = composeServices([
  { name: 'sessions', url, typeDefs: parse((await sdlResponse.json()).data._service.sdl) },
  { name: 'rooms', url: rooms.url, typeDefs: parse(roomsTypeDefs) },
]);
if (composed.errors?.length) throw new Error(composed.errors.map((error) => error.message).join('\n'));

const requests = [];
const subgraphOf = (requestUrl) => (requestUrl.startsWith(rooms.url) ? 'rooms' : 'sessions');
const gateway = createGatewayRuntime({
  supergraph: composed.supergraphSdl,
  logging: false,
  transportEntries: {
    sessions: {
      options: {
        subscriptions: {
          kind: 'ws',
          location: '/graphql',
          options: { connectionParams: { Authorization: '{context.headers.authorization}' } },
        },
      },
    },
  },
  propagateHeaders: {
    fromClientToSubgraphs: ({ request }) => ({ authorization: request.headers.get('authorization') }),
  },
  plugins: () => [
    {
      onFetch({ url: requestUrl, options }) {
        const body = JSON.parse(options.body);
        requests.push({
          subgraph: subgraphOf(requestUrl),
          query: body.query,
          representations: body.variables?.representations?.length ?? null,
          authorization: new Headers(options.headers).get('authorization'),
        });
      },
    },
  ],
});

async function query(document, variables, authorization) {
  const headers = { 'content-type': 'application/json', accept: 'application/graphql-response+json' };
  if (authorization) headers.authorization = authorization;
  const response = await gateway.fetch('http://gateway.invalid/graphql', {
    method: 'POST',
    headers,
    body: JSON.stringify({ query: document, variables }),
  });
  return response.json();
}

const BOOKINGS = `query Bookings {
  bookings { id session { _id scheduleId notes room start { timestamp } } }
}`;
const ONE = `query One($id: ID!) { session(id: $id) { _id notes room start { timestamp } } }`;

async function queries() {
  const results = {};
  results.bookingsWithoutToken = await query(BOOKINGS, {}, null);
  results.bookingsWithToken = await query(BOOKINGS, {}, `Bearer ${token}`);
  results.occurrenceWithToken = await query(ONE, { id: sessionIds.at(-1) }, `Bearer ${token}`);
  return results;
}

const SESSION_UPDATED = `subscription Updated($scheduleId: String) {
  sessionUpdated(scheduleId: $scheduleId) { _id notes room }
}`;
const UPDATE = `mutation Update($id: ID!, $notes: String) {
  updateSession(sessionId: $id, sessionInfo: { notes: $notes }) { _id }
}`;

// Subscribes through the gateway over SSE; returns the first event (or an error event) and the
// number of updates it took: the subscription reaches our server asynchronously, so the session
// is updated (directly on our server) until an event arrives.
async function firstEvent(authorization) {
  const abort = new AbortController();
  const headers = { 'content-type': 'application/json', accept: 'text/event-stream' };
  if (authorization) headers.authorization = authorization;
  const response = await gateway.fetch('http://gateway.invalid/graphql', {
    method: 'POST',
    headers,
    body: JSON.stringify({ query: SESSION_UPDATED, variables: { scheduleId } }),
    signal: abort.signal,
  });
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  const nextEvent = async () => {
    for (;;) {
      const end = buffered.indexOf('\n\n');
      if (end >= 0) {
        const block = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        const data = block.split('\n').filter((line) => line.startsWith('data:'));
        if (data.length) return JSON.parse(data.map((line) => line.slice(5)).join('\n'));
        continue;
      }
      const { value, done } = await reader.read();
      if (done) return null;
      buffered += value;
    }
  };
  let pending = nextEvent();
  try {
    for (let update = 1; update <= 20; update += 1) {
      await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
        body: JSON.stringify({ query: UPDATE, variables: { id: sessionIds[0], notes: `via hive ${update}` } }),
      });
      const timeout = new Promise((resolve) => setTimeout(() => resolve('timeout'), 500));
      const event = await Promise.race([pending, timeout]);
      if (event !== 'timeout') return { event, updates: update };
    }
    return { event: null, updates: 20 };
  } finally {
    abort.abort();
    await reader.cancel().catch(() => {});
  }
}

async function subscription() {
  return {
    subscriptionWithoutToken: await firstEvent(null),
    subscriptionWithToken: await firstEvent(`Bearer ${token}`),
  };
}

try {
  const results = mode === 'queries' ? await queries() : await subscription();
  console.log(JSON.stringify({ results, requests }));
} finally {
  await gateway.dispose();
  await rooms.close();
}
