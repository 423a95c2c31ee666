// Apollo Gateway in front of the live server (subgraph "sessions") and a small in-process subgraph
// ("bookings") whose Booking.session points at Session entities, so the gateway must resolve them
// through our `_entities`. The supergraph is composed by IntrospectAndCompose (which fetches
// `_service { sdl }` from the live server and composes with @apollo/composition).
//
// Usage: node federation.mjs <graphql url> <bearer token> <session id>...
// Prints one JSON line: { supergraphSdl, result, sessionsRequests: [{ query, representations }] }.
import {
  ApolloGateway,
  IntrospectAndCompose,
  LocalGraphQLDataSource,
  RemoteGraphQLDataSource,
} from '@apollo/gateway';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse, validate } from 'graphql';

const [url, token, ...sessionIds] = process.argv.slice(2);
if (!url || !token || sessionIds.length === 0) {
  throw new Error('usage: node federation.mjs <graphql url> <token> <session id>...');
}

// A booking per session id, plus one pointing at a session that does not exist.
const bookings = [...sessionIds, 'no-such-session'].map((id, index) => ({ id: `b${index}`, sessionId: id }));

const bookingsSchema = buildSubgraphSchema({
  typeDefs: parse(`
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

    type Session @key(fields: "_id", resolvable: false) {
      _id: ID!
    }

    type Booking {
      id: ID!
      session: Session
    }

    type Query {
      bookings: [Booking!]!
    }
  `),
  resolvers: {
    Query: { bookings: () => bookings },
    Booking: { session: (booking) => ({ __typename: 'Session', _id: booking.sessionId }) },
  },
});

// Every request the gateway sends to our server, to check entity fetches are batched.
const sessionsRequests = [];

class SessionsDataSource extends RemoteGraphQLDataSource {
  willSendRequest({ request }) {
    request.http.headers.set('authorization', `Bearer ${token}`);
    sessionsRequests.push({
      query: request.query,
      representations: request.variables?.representations?.length ?? null,
    });
  }
}

let supergraphSdl = null;
const gateway = new ApolloGateway({
  supergraphSdl: new IntrospectAndCompose({
    subgraphs: [
      { name: 'sessions', url },
      { name: 'bookings', url: 'in-process://bookings' },
    ],
  }),
  buildService: ({ name, url: serviceUrl }) =>
    name === 'bookings' ? new LocalGraphQLDataSource(bookingsSchema) : new SessionsDataSource({ url: serviceUrl }),
});
gateway.onSchemaLoadOrUpdate(({ coreSupergraphSdl }) => {
  supergraphSdl = coreSupergraphSdl;
});

// No Apollo Server: the gateway's executor is driven with the parts of a request context it reads.
async function execute(schema, executor, query) {
  const document = parse(query);
  const errors = validate(schema, document);
  if (errors.length > 0) return { errors: errors.map((error) => error.toJSON()) };
  const operationName = document.definitions[0].name?.value ?? null;
  return executor({
    request: { query, operationName, variables: {} },
    document,
    source: query,
    queryHash: query,
    operationName,
    context: {},
    metrics: {},
    logger: console,
    cache: undefined,
  });
}

const { schema, executor } = await gateway.load();
sessionsRequests.length = 0; // drop the composition's `_service { sdl }` fetch
try {
  const result = await execute(
    schema,
    executor,
    `query BookingsWithSessions {
      bookings {
        id
        session { _id scheduleId status notes start { timestamp } }
      }
    }`,
  );
  console.log(JSON.stringify({ supergraphSdl, result, sessionsRequests }));
} finally {
  await gateway.stop();
}
