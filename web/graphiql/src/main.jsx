// Self-hosted GraphiQL for bookings-sessions.
//
// Built by `npm run build` (esbuild) into bookings_sessions/static/graphiql/
// graphiql.js + graphiql.css; the page is served with a strict CSP
// (script-src 'self', no inline scripts/styles, no eval), see
// bookings_sessions/graphiql.py.
import { GraphiQL } from 'graphiql';
import 'graphiql/graphiql.css';
import React from 'react';
import { createRoot } from 'react-dom/client';
import { createFetcher, webSocketUrl } from './fetcher.js';

const DEFAULT_QUERY = `# Welcome to the bookings-sessions GraphQL API.
#
# Most operations need a bearer token. Mint one with
#
#   bookings-sessions token --role BOOKINGS_ADMIN
#
# then open the "Headers" tab below the editor and paste:
#
#   {"Authorization": "Bearer <token>"}
#
# Each tab has its own headers; they are kept in this browser's local
# storage between visits (Settings → Persist headers turns that off).
# If Docs and autocompletion stay empty, click "Re-fetch GraphQL schema"
# (the circular-arrows button, bottom left) after adding the token.
#
# Run a query with Ctrl-Enter (Cmd-Enter on macOS) or the ▶ button.
# Subscriptions run over a WebSocket with the same token, e.g.
#
#   subscription { sessionUpdated { _id status start { timestamp } } }

{
  __typename
}
`;

const container = document.getElementById('graphiql');

// The API is served on the same path as this page (e.g. GET /graphql returns
// this page to browsers, POST /graphql executes operations). A
// `data-endpoint` attribute on #graphiql overrides that.
const endpointPath = container.dataset.endpoint || window.location.pathname;

const fetcher = createFetcher({
  url: window.location.origin + endpointPath,
  subscriptionUrl: webSocketUrl(window.location, endpointPath),
});

createRoot(container).render(
  <GraphiQL
    fetcher={fetcher}
    defaultQuery={DEFAULT_QUERY}
    defaultHeaders="{}"
    isHeadersEditorEnabled
    shouldPersistHeaders
  />,
);
