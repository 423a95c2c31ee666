// The bench's peer: what a competent team would write in an afternoon instead of this project —
// Apollo Server 4 (standalone) + the official MongoDB driver, answering the same selection sets from the
// same documents in the same collection (camelCase fields, times as {utc, local, zone}).
// Env: MONGODB_URI, MONGODB_DATABASE, JWT_SECRET (HS256, the same as ours), PORT, BUSINESS_TIME_ZONE.
import { randomUUID } from 'node:crypto';

import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import jwt from 'jsonwebtoken';
import { MongoClient } from 'mongodb';

const typeDefs = `#graphql
  scalar DateTime
  enum Role { BOOKINGS_ADMIN BOOKINGS_STAFF SERVICE }
  enum SessionStatus { CONFIRMED CANCELLED }
  enum SessionType { EVENT WORKING_HOURS }

  type LocalDateTime { year: Int! monthOfYear: Int! dayOfMonth: Int! hourOfDay: Int! minutesOfHour: Int! }
  type CalendarDateTime { timestamp: DateTime! localDateTime: LocalDateTime! timeZone: String! }
  type Session {
    _id: ID!
    scheduleId: String!
    scheduleOwnerId: String
    tags: [String!]!
    status: SessionStatus!
    type: SessionType!
    recurrence: String
    start: CalendarDateTime!
    end: CalendarDateTime!
    revision: Int!
    createdDate: DateTime!
    updatedDate: DateTime!
    notes: String
  }
  type SessionEdge { cursor: String! node: Session! }
  type PageInfo { hasNextPage: Boolean! endCursor: String }
  type SessionConnection { edges: [SessionEdge!]! pageInfo: PageInfo! }

  input LocalDateTimeInput { year: Int! monthOfYear: Int! dayOfMonth: Int! hourOfDay: Int! = 0 minutesOfHour: Int! = 0 }
  input CalendarDateTimeInput { timestamp: DateTime localDateTime: LocalDateTimeInput timeZone: String }
  input SessionFilterInput { scheduleId: String scheduleOwnerId: String type: SessionType status: SessionStatus tags: [String!] }
  input TimeWindow { from: DateTime! to: DateTime! }
  input CreateSessionInfo {
    scheduleId: String! start: CalendarDateTimeInput! end: CalendarDateTimeInput!
    scheduleOwnerId: String tags: [String!] notes: String type: SessionType
  }
  input UpdateSessionInfo { scheduleOwnerId: String tags: [String!] notes: String status: SessionStatus type: SessionType }

  type Query {
    session(id: ID!): Session
    sessions(filter: SessionFilterInput, window: TimeWindow, first: Int = 50, after: String): SessionConnection!
  }
  type Mutation {
    createSession(sessionInfo: CreateSessionInfo!): Session!
    updateSession(sessionId: ID!, sessionInfo: UpdateSessionInfo!): Session!
  }
`;

const ADMIN = ['BOOKINGS_ADMIN'];
const SENSITIVE_READERS = ['BOOKINGS_ADMIN', 'BOOKINGS_STAFF', 'SERVICE'];
const MAX_PAGE = 500;
const BUSINESS_ZONE = process.env.BUSINESS_TIME_ZONE || 'UTC';

const fail = (message, code, extra = {}) => new GraphQLError(message, { extensions: { code, ...extra } });
const badInput = (message) => fail(message, 'BAD_USER_INPUT');

function requireRole(caller, roles) {
  if (!caller) throw fail('authentication required', 'UNAUTHENTICATED');
  if (!caller.roles.some((role) => roles.includes(role))) throw fail(`needs one of ${roles.join(', ')}`, 'FORBIDDEN');
}

function toDate(value) {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) throw badInput(`not a date-time: ${value}`);
  return date;
}

const DateTime = new GraphQLScalarType({
  name: 'DateTime',
  serialize: (value) => toDate(value).toISOString(),
  parseValue: (value) => toDate(value),
  parseLiteral: (ast) => (ast.kind === Kind.STRING ? toDate(ast.value) : null),
});

// Wall time of an instant in a zone, as the document's "YYYY-MM-DDTHH:MM"; a bad zone is bad input.
function localText(date, zone) {
  let parts;
  try {
    parts = new Intl.DateTimeFormat('en-CA', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
    }).formatToParts(date);
  } catch {
    throw badInput(`unknown time zone: ${zone}`);
  }
  const get = (type) => parts.find((part) => part.type === type).value;
  return `${get('year')}-${get('month')}-${get('day')}T${get('hour')}:${get('minute')}`;
}

// {timestamp} or {localDateTime} (+ timeZone) -> the stored {utc, local, zone}.
function timeIn(input) {
  const zone = input.timeZone || BUSINESS_ZONE;
  if (input.timestamp) return { utc: input.timestamp, local: localText(input.timestamp, zone), zone };
  const l = input.localDateTime;
  if (!l) throw badInput('give timestamp or localDateTime');
  const wall = Date.UTC(l.year, l.monthOfYear - 1, l.dayOfMonth, l.hourOfDay, l.minutesOfHour);
  // The zone's offset at that wall time, found by formatting a guess back (twice, for DST edges).
  let utc = wall;
  for (let i = 0; i < 2; i += 1) utc = wall - (Date.parse(`${localText(new Date(utc), zone)}Z`) - utc);
  return { utc: new Date(utc), local: localText(new Date(utc), zone), zone };
}

function timeOut(stored) {
  const [date, clock] = stored.local.split('T');
  const [year, month, day] = date.split('-').map(Number);
  const [hour, minute] = clock.split(':').map(Number);
  return {
    timestamp: stored.utc,
    timeZone: stored.zone,
    localDateTime: { year, monthOfYear: month, dayOfMonth: day, hourOfDay: hour, minutesOfHour: minute },
  };
}

const encodeCursor = (doc) => Buffer.from(`${doc.start.utc.toISOString()}|${doc._id}`).toString('base64url');
function decodeCursor(cursor) {
  const [at, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  const date = new Date(at);
  if (!id || Number.isNaN(date.getTime())) throw badInput('after: not a cursor from this API');
  return [date, id];
}

const resolvers = {
  DateTime,
  Session: {
    recurrence: (doc) => doc.recurrence ?? null,
    tags: (doc) => doc.tags ?? [],
    start: (doc) => timeOut(doc.start),
    end: (doc) => timeOut(doc.end),
    notes: (doc, _args, { caller }) => {
      requireRole(caller, SENSITIVE_READERS);
      return doc.notes ?? null;
    },
  },
  Query: {
    // A bare _id filter, the kind checked here: FerretDB decodes every document for any other filter.
    session: async (_root, { id }, { sessions }) => {
      const doc = await sessions.findOne({ _id: id });
      return doc?.kind === 'single' ? doc : null;
    },
    sessions: async (_root, { filter, window, first, after }, { sessions }) => {
      if (first < 1 || first > MAX_PAGE) throw badInput(`first must be between 1 and ${MAX_PAGE}`);
      const query = { kind: 'single' };
      for (const field of ['scheduleId', 'scheduleOwnerId', 'type', 'status']) {
        if (filter?.[field] != null) query[field] = filter[field];
      }
      if (filter?.tags?.length) query.tags = { $all: filter.tags };
      if (window) {
        if (window.to <= window.from) throw badInput('window.to must be after window.from');
        query['end.utc'] = { $gt: window.from };
        query['start.utc'] = { $lt: window.to };
      }
      if (after) {
        const [at, id] = decodeCursor(after);
        query.$or = [{ 'start.utc': { $gt: at } }, { 'start.utc': at, _id: { $gt: id } }];
      }
      const docs = await sessions.find(query).sort({ 'start.utc': 1, _id: 1 }).limit(first + 1).toArray();
      const page = docs.slice(0, first);
      return {
        edges: page.map((doc) => ({ cursor: encodeCursor(doc), node: doc })),
        pageInfo: { hasNextPage: docs.length > first, endCursor: page.length ? encodeCursor(page.at(-1)) : null },
      };
    },
  },
  Mutation: {
    createSession: async (_root, { sessionInfo: info }, { caller, sessions }) => {
      requireRole(caller, ADMIN);
      const start = timeIn(info.start);
      const end = timeIn(info.end);
      if (end.utc <= start.utc) throw badInput('end must be after start');
      const now = new Date();
      const doc = {
        _id: randomUUID().replaceAll('-', ''),
        kind: 'single',
        revision: 1,
        createdDate: now,
        updatedDate: now,
        scheduleId: info.scheduleId,
        ...(info.scheduleOwnerId != null && { scheduleOwnerId: info.scheduleOwnerId }),
        tags: info.tags ?? [],
        ...(info.notes != null && { notes: info.notes }),
        status: 'CONFIRMED',
        type: info.type ?? 'EVENT',
        start,
        end,
        participants: [],
      };
      await sessions.insertOne(doc);
      return doc;
    },
    updateSession: async (_root, { sessionId, sessionInfo }, { caller, sessions }) => {
      requireRole(caller, ADMIN);
      const $set = { updatedDate: new Date() };
      const $unset = {};
      for (const [field, value] of Object.entries(sessionInfo)) {
        if (value === null) $unset[field] = '';
        else $set[field] = value;
      }
      const update = { $set, $inc: { revision: 1 }, ...(Object.keys($unset).length && { $unset }) };
      // Read-free: one findOneAndUpdate by _id (FerretDB pushes only a bare _id filter down to SQLite).
      const doc = await sessions.findOneAndUpdate({ _id: sessionId }, update, { returnDocument: 'after' });
      if (!doc) throw fail(`no session with id '${sessionId}'`, 'NOT_FOUND');
      return doc;
    },
  },
};

function callerFrom(authorization, secret) {
  if (!authorization) return null;
  const [scheme, token] = authorization.split(' ');
  try {
    if (scheme.toLowerCase() !== 'bearer' || !token) throw new Error('expected Bearer <token>');
    const claims = jwt.verify(token, secret, { algorithms: ['HS256'] });
    return { subject: claims.sub, roles: Array.isArray(claims.roles) ? claims.roles : [] };
  } catch (error) {
    throw fail(`invalid token: ${error.message}`, 'UNAUTHENTICATED', { http: { status: 401 } });
  }
}

const secret = process.env.JWT_SECRET;
if (!secret) throw new Error('JWT_SECRET is required');
const client = new MongoClient(process.env.MONGODB_URI || 'mongodb://127.0.0.1:27017/', { appName: 'apollo-peer' });
await client.connect();
// No createIndex here: our server creates {scheduleId, kind, start.utc, _id} on the shared collection,
// which serves this listing too; a second index would slow both servers' writes.
const sessions = client.db(process.env.MONGODB_DATABASE || 'bookings').collection('sessions');

const server = new ApolloServer({ typeDefs, resolvers, includeStacktraceInErrorResponses: false });
const { url } = await startStandaloneServer(server, {
  listen: { host: '127.0.0.1', port: Number(process.env.PORT || 4000) },
  context: async ({ req }) => ({ caller: callerFrom(req.headers.authorization, secret), sessions }),
});
console.log(`apollo peer ready at ${url}`);

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, async () => {
    await server.stop();
    await client.close();
    process.exit(0);
  });
}
