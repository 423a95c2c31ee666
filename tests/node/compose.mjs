// Composes the live server's `_service { sdl }` with the "rooms" subgraph (rooms-subgraph.mjs) under
// one composition library: `apollo` (@apollo/composition, what Apollo Gateway and Router use) or
// `guild` (@theguild/federation-composition, what Hive Gateway and GraphQL Mesh use).
//
// Usage: node compose.mjs <apollo|guild> <graphql url>
// Prints one JSON line: { subgraphSdl, errors: [message], supergraphSdl }.
import { composeServices as composeWithApollo } from '@apollo/composition';
import { composeServices as composeWithGuild } from '@theguild/federation-composition';
import { parse } from 'graphql';
import { roomsTypeDefs } from './rooms-subgraph.mjs';

const [composer, url] = process.argv.slice(2);
const composers = { apollo: composeWithApollo, guild: composeWithGuild };
if (!composers[composer] || !url) throw new Error('usage: node compose.mjs <apollo|guild> <graphql url>');

const response = await fetch(url, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ query: '{ _service { sdl } }' }),
});
const subgraphSdl = (await response.json()).data._service.sdl;

const result = composers[composer]([
  { name: 'sessions', url, typeDefs: parse(subgraphSdl) },
  { name: 'rooms', url: 'http://rooms.invalid/graphql', typeDefs: parse(roomsTypeDefs) },
]);
console.log(
  JSON.stringify({
    subgraphSdl,
    errors: (result.errors ?? []).map((error) => error.message),
    supergraphSdl: result.supergraphSdl ?? null,
  }),
);
