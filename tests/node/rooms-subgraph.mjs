// A second subgraph ("rooms") for the composition and Hive Gateway tests. It extends `Session` with
// `room`, a field only it resolves (so a gateway must hand it Session references through its
// `_entities`), and lists bookings whose `session` points at sessions only our server knows (so a
// gateway must resolve them through our `_entities`). Federation v2.0, like our subgraph.
import { createServer } from 'node:http';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { createHandler } from 'graphql-http/lib/use/http';

export const roomsTypeDefs = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.0", import: ["@key"])

  type Session @key(fields: "_id") {
    _id: ID!
    "Where the session takes place; kept by the rooms service."
    room: String!
  }

  type Booking {
    id: ID!
    session: Session
  }

  type Query {
    bookings: [Booking!]!
  }
`;

export const roomFor = (sessionId) => `room for ${sessionId}`;

// Starts the subgraph on an ephemeral port; the GraphQL parameters of every request it
// receives are kept in `requests`.
export async function startRoomsSubgraph(sessionIds) {
  const bookings = sessionIds.map((id, index) => ({ id: `b${index}`, sessionId: id }));
  const schema = buildSubgraphSchema({
    typeDefs: parse(roomsTypeDefs),
    resolvers: {
      Query: { bookings: () => bookings },
      Booking: { session: (booking) => ({ __typename: 'Session', _id: booking.sessionId }) },
      Session: {
        __resolveReference: (reference) => ({ _id: reference._id }),
        room: (session) => roomFor(session._id),
      },
    },
  });
  const requests = [];
  const handle = createHandler({
    schema,
    onSubscribe: (request, params) => {
      requests.push(params);
    },
  });
  const server = createServer(handle);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}/graphql`;
  const close = () => new Promise((resolve) => server.close(resolve));
  return { url, requests, close };
}
