// The Apollo Client for one token: queries and mutations over HTTP (with automatic persisted queries),
// subscriptions over graphql-transport-ws, one normalized cache keyed by each session's `_id`.
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { getMainDefinition } from '@apollo/client/utilities';
import { createClient } from 'graphql-ws';

/** The API on the page's own origin: /graphql over HTTP(S) and WS(S). */
export function apiUrls(location = window.location) {
  const wsScheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return { httpUrl: `${location.origin}/graphql`, wsUrl: `${wsScheme}//${location.host}/graphql` };
}

async function sha256(text) {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

export function createCache() {
  return new InMemoryCache({
    typePolicies: {
      // Sessions are identified by `_id` (not `id`): without this, Apollo could not match a live update
      // or a mutation's result to the session already on screen.
      Session: { keyFields: ['_id'] },
      // Times have no identity of their own; a newer one replaces the older in its session.
      CalendarDateTime: { keyFields: false, merge: true },
      // A refetched week replaces the previous answer for the same arguments.
      Query: { fields: { sessions: { merge: false } } },
    },
  });
}

function isSubscription({ query }) {
  const definition = getMainDefinition(query);
  return definition.kind === 'OperationDefinition' && definition.operation === 'subscription';
}

/**
 * onSocket(state) hears 'connecting', 'live', 'offline' or 'refused' (the server closed the socket
 * with 4403: the token was not accepted).
 */
export function createApolloClient(token, onSocket = () => {}) {
  const { httpUrl, wsUrl } = apiUrls();
  const authorization = `Bearer ${token}`;
  const http = new HttpLink({ uri: httpUrl, headers: { Authorization: authorization } });
  // Web Crypto exists only in secure contexts (https:, or http: on localhost/127.0.0.1); elsewhere the
  // page sends whole documents, which the server accepts just the same.
  const httpChain = globalThis.crypto?.subtle
    ? new PersistedQueryLink({ sha256, useGETForHashedQueries: true }).concat(http)
    : http;

  // Browsers cannot set headers on a WebSocket: the server reads the token from connection_init.
  const wsClient = createClient({
    url: wsUrl,
    connectionParams: { Authorization: authorization },
    lazy: true,
    shouldRetry: (event) => event?.code !== 4403,
    retryAttempts: 20,
    on: {
      connecting: () => onSocket('connecting'),
      connected: () => onSocket('live'),
      closed: (event) => onSocket(event?.code === 4403 ? 'refused' : 'offline'),
    },
  });

  const client = new ApolloClient({
    link: ApolloLink.split(isSubscription, new GraphQLWsLink(wsClient), httpChain),
    cache: createCache(),
  });
  return {
    client,
    dispose() {
      wsClient.dispose();
      client.stop();
    },
  };
}
