import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import {
  GraphQLEnumType,
  GraphQLInputObjectType,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLScalarType,
  GraphQLSchema,
  GraphQLString,
  valueFromASTUntyped,
} from 'graphql';
import { PubSub, withFilter } from 'graphql-subscriptions';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { serveCalls } from '../live-support/ipc.ts';
import { processStats } from '../live-support/process-stats.ts';

/**
 * Child process entry, S4's baseline: what the Apollo documentation sets up
 * for subscriptions. Apollo Server for queries and mutations on node:http
 * (`executeHTTPGraphQLRequest`, as its integrations call it), graphql-ws's
 * `useServer` on the same port and path for subscriptions, a graphql-js
 * schema, and graphql-subscriptions' in-memory PubSub with `withFilter`: every
 * published event wakes every subscriber, whose filter decides. The schema
 * has the fields S3/S4 clients select and the same argument shapes as the
 * hub's, so clients send the same documents and variables to both. No auth,
 * no store: `publishEvent` stamps an id, a position and a timestamp and publishes.
 */
interface BenchEvent {
  type: string;
  position: string;
  id: string;
  timestamp: string;
  subject: string | null;
  source: { type: string; id: string };
  payload: unknown;
}

const JSONScalar = new GraphQLScalarType({
  name: 'JSON',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast, variables) => valueFromASTUntyped(ast, variables),
});
const SourceType = new GraphQLEnumType({
  name: 'SourceType',
  values: Object.fromEntries(
    ['WORKFLOW', 'TASK', 'INTEGRATION', 'EXTERNAL', 'SYSTEM', 'WEBHOOK', 'MANUAL', 'CRON'].map((v) => [
      v,
      { value: v },
    ]),
  ),
});
const EventSource = new GraphQLObjectType({
  name: 'EventSource',
  fields: { type: { type: new GraphQLNonNull(SourceType) }, id: { type: new GraphQLNonNull(GraphQLString) } },
});
const Event = new GraphQLObjectType({
  name: 'Event',
  fields: {
    type: { type: new GraphQLNonNull(GraphQLString) },
    position: { type: new GraphQLNonNull(GraphQLString) },
    id: { type: new GraphQLNonNull(GraphQLString) },
    timestamp: { type: new GraphQLNonNull(GraphQLString) },
    subject: { type: GraphQLString },
    source: { type: new GraphQLNonNull(EventSource) },
    payload: { type: new GraphQLNonNull(JSONScalar) },
  },
});
const EventFilter = new GraphQLInputObjectType({
  name: 'EventFilter',
  fields: { types: { type: new GraphQLList(new GraphQLNonNull(GraphQLString)) } },
});
const PublishEventInput = new GraphQLInputObjectType({
  name: 'PublishEventInput',
  fields: {
    type: { type: new GraphQLNonNull(GraphQLString) },
    version: { type: GraphQLString },
    source: {
      type: new GraphQLNonNull(
        new GraphQLInputObjectType({
          name: 'EventSourceInput',
          fields: { type: { type: new GraphQLNonNull(SourceType) }, id: { type: new GraphQLNonNull(GraphQLString) } },
        }),
      ),
    },
    timestamp: { type: GraphQLString },
    subject: { type: GraphQLString },
    payload: { type: new GraphQLNonNull(JSONScalar) },
    metadata: { type: JSONScalar },
  },
});
const PublishResult = new GraphQLObjectType({
  name: 'PublishResult',
  fields: { status: { type: new GraphQLNonNull(GraphQLString) }, event: { type: Event } },
});

/** Wildcard semantics of the hub: `*` one segment, a last `>` one or more. */
const patterns = new Map<string, (type: string) => boolean>();
function patternMatcher(pattern: string): (type: string) => boolean {
  let matcher = patterns.get(pattern);
  if (!matcher) {
    const segments = pattern.split('.');
    matcher = (type) => {
      const parts = type.split('.');
      for (let i = 0; i < segments.length; i++) {
        const segment = segments[i]!;
        if (segment === '>') return parts.length > i;
        if (i >= parts.length || (segment !== '*' && segment !== parts[i])) return false;
      }
      return parts.length === segments.length;
    };
    patterns.set(pattern, matcher);
  }
  return matcher;
}
const matches = (type: string, types: readonly string[] | null | undefined): boolean =>
  !types || types.length === 0 || types.some((pattern) => patternMatcher(pattern)(type));

const emitter = new EventEmitter();
emitter.setMaxListeners(0);
const pubsub = new PubSub({ eventEmitter: emitter });
const EVENT = 'EVENT';
let head = 0;

interface PublishInput {
  type: string;
  source: { type: string; id: string };
  timestamp?: string | null;
  subject?: string | null;
  payload: unknown;
}
async function publish(input: PublishInput): Promise<BenchEvent> {
  const event: BenchEvent = {
    type: input.type,
    position: String(++head),
    id: randomUUID(),
    timestamp: input.timestamp ?? new Date().toISOString(),
    subject: input.subject ?? null,
    source: input.source,
    payload: input.payload,
  };
  await pubsub.publish(EVENT, { events: event });
  return event;
}

const schema = new GraphQLSchema({
  query: new GraphQLObjectType({
    name: 'Query',
    fields: { head: { type: GraphQLString, resolve: () => String(head) } },
  }),
  mutation: new GraphQLObjectType({
    name: 'Mutation',
    fields: {
      publishEvent: {
        type: new GraphQLNonNull(PublishResult),
        args: { input: { type: new GraphQLNonNull(PublishEventInput) } },
        resolve: async (_root, args: { input: PublishInput }) => ({
          status: 'ACCEPTED',
          event: await publish(args.input),
        }),
      },
    },
  }),
  subscription: new GraphQLObjectType({
    name: 'Subscription',
    fields: {
      events: {
        type: new GraphQLNonNull(Event),
        args: { filter: { type: EventFilter }, after: { type: GraphQLString } },
        subscribe: withFilter(
          () => pubsub.asyncIterableIterator<{ events: BenchEvent }>(EVENT),
          (payload?: { events: BenchEvent }, variables?: { filter?: { types?: string[] | null } | null }) =>
            matches(payload!.events.type, variables?.filter?.types),
        ),
      },
    },
  }),
});

const httpServer = createServer((req, res) => {
  readBody(req)
    .then((body) => {
      const headers = new HeaderMap();
      for (const [key, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
      }
      const search = new URL(req.url ?? '/', 'http://apollo').search;
      return apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: req.method ?? 'GET', headers, search, body },
        context: async () => ({}),
      });
    })
    .then((response) => {
      for (const [key, value] of response.headers) res.setHeader(key, value);
      res.statusCode = response.status ?? 200;
      if (response.body.kind !== 'complete') throw new Error('incremental delivery is not used here');
      res.end(response.body.string);
    })
    .catch((error: unknown) => {
      res.statusCode = 500;
      res.end(String(error));
    });
});

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? undefined : (JSON.parse(text) as unknown);
}

const wss = new WebSocketServer({ server: httpServer, path: '/graphql' });
const serverCleanup = useServer({ schema }, wss);
const apollo = new ApolloServer({
  schema,
  plugins: [
    ApolloServerPluginDrainHttpServer({ httpServer }),
    { serverWillStart: async () => ({ drainServer: async () => void (await serverCleanup.dispose()) }) },
  ],
});
await apollo.start();
await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
const { port } = httpServer.address() as { port: number };

serveCalls(
  {
    stats: () => processStats({ subscriptions: emitter.listenerCount(EVENT) }),
    gc: () => globalThis.gc?.(),
    /** Publishes straight into the PubSub (no HTTP); answers the positions. */
    ingest: async ({ inputs }: { inputs: PublishInput[] }) =>
      Promise.all(inputs.map(async (input) => Number((await publish(input)).position))),
  },
  { url: `http://127.0.0.1:${port}/graphql` },
  async () => {
    for (const client of wss.clients) client.terminate();
    await apollo.stop();
  },
);
