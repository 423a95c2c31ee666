// GraphiQL's fetcher: queries and mutations over HTTP, subscriptions over graphql-transport-ws.
//
// The server takes a WebSocket's bearer token from the connection_init payload (see on_ws_connect in
// bookings_sessions/http/graphql_view.py), not from request headers, which browsers cannot set on a
// WebSocket. So the Authorization typed in GraphiQL's Headers pane becomes that payload, as
// {"Authorization": "Bearer …"}; a different token opens a new connection.
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { parse } from 'graphql';
import { createClient } from 'graphql-ws';

/** ws:// or wss:// for the page's own host, so the socket is same-origin like the HTTP calls. */
export function webSocketUrl(location, path) {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}${path}`;
}

function authorizationOf(headers) {
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (name.toLowerCase() === 'authorization' && typeof value === 'string') return value;
  }
  return null;
}

export function createFetcher({ url, subscriptionUrl }) {
  let current = null; // { authorization, wsClient, fetcher }

  function fetcherFor(authorization) {
    if (current && current.authorization === authorization) return current.fetcher;
    current?.wsClient.dispose();
    const wsClient = createClient({
      url: subscriptionUrl,
      connectionParams: authorization ? { Authorization: authorization } : {},
      lazy: true, // connect on the first subscription, close after the last one
    });
    current = {
      authorization,
      wsClient,
      fetcher: createGraphiQLFetcher({ url, subscriptionUrl, wsClient }),
    };
    return current.fetcher;
  }

  return (graphQLParams, fetcherOpts) => {
    const fetcher = fetcherFor(authorizationOf(fetcherOpts?.headers));
    const documentAST = documentOf(graphQLParams.query) ?? fetcherOpts?.documentAST;
    return fetcher(withOperationName(graphQLParams, documentAST), { ...fetcherOpts, documentAST });
  };
}

// The toolkit picks the WebSocket when the operation named `operationName` in `documentAST` is a
// subscription. GraphiQL refreshes both after a debounce, so run right after a paste a subscription
// would go over HTTP: parse the document actually sent, and name its operation when it has only one.
function documentOf(query) {
  try {
    return parse(query);
  } catch {
    return undefined; // the server reports the syntax error
  }
}

function withOperationName(graphQLParams, documentAST) {
  const operations = (documentAST?.definitions ?? []).filter((node) => node.kind === 'OperationDefinition');
  const only = operations.length === 1 ? operations[0] : undefined;
  if (graphQLParams.operationName || !only?.name) return graphQLParams;
  return { ...graphQLParams, operationName: only.name.value };
}
