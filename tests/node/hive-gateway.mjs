// Hive Gateway (@graphql-hive/gateway-runtime, in process) in front of the live server (subgraph
// "sessions") and the "rooms" subgraph (rooms-subgraph.mjs, over HTTP), with the supergraph composed by
// @theguild/federation-composition from the live `_service { sdl }`. The gateway forwards the client's
// Authorization header to the subgraphs.
//
// Usage: node hive-gateway.mjs <graphql url> <staff token> <session id>...
// Prints one JSON line: { results: { name: body }, requests: [{ subgraph, query, representations,
// authorization }] } with every request the gateway sent to a subgraph.
import { createGatewayRuntime } from '@graphql-hive/gateway-runtime';
import { composeServices } from '@theguild/federation-composition';
import { parse } from 'graphql';
import { roomsTypeDefs, startRoomsSubgraph } from './rooms-subgraph.mjs';

const [url, token, ...sessionIds] = process.argv.slice(2);
if (!url || !token || sessionIds.length === 0) {
  throw new Error('usage: node hive-gateway.mjs <graphql url> <token> <session id>...');
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

try {
  const results = {};
  results.bookingsWithoutToken = await query(BOOKINGS, {}, null);
  results.bookingsWithToken = await query(BOOKINGS, {}, `Bearer ${token}`);
  results.occurrenceWithToken = await query(ONE, { id: sessionIds.at(-1) }, `Bearer ${token}`);
  console.log(JSON.stringify({ results, requests }));
} finally {
  await gateway.dispose();
  await rooms.close();
}
