import { parseArgs } from 'node:util';
import { MongoClient } from 'mongodb';
import type { EventBus } from '../../src/bus/event-bus.ts';
import { createInProcessEventBus } from '../../src/bus/in-process-event-bus.ts';
import { createRedisEventBus } from '../../src/bus/redis/index.ts';
import { createIngest } from '../../src/ingest/ingest.ts';
import { createLogger } from '../../src/logger.ts';
import type { StoredEvent } from '../../src/store/mongodb/documents.ts';
import { COLLECTIONS, createMongoEventStore } from '../../src/store/mongodb/index.ts';
import { requireMongoUrl, runDatabase } from '../mongo-support/servers.ts';
import { median } from '../support/stats.ts';
import { BENCH_TENANT, archiveDocuments, batchInputs } from './workload.ts';

/**
 * Where one publishEvents batch spends its time, step by step: the hub's own
 * ingest (validation, store.append, bus publishes) run in this process on the
 * real MongoDB store and, with REDIS_URL, the Redis bus, one batch at a time
 * so the steps add up; every server command is timed by the driver's command
 * monitoring. A raw insertMany of the same documents runs after each batch,
 * for scale. No HTTP and no GraphQL: S2 itself measures those.
 */
const mongoUrl = requireMongoUrl('S2');
const { values: args } = parseArgs({
  options: {
    batches: { type: 'string', default: '30' },
    'batch-size': { type: 'string', default: '100' },
    keyed: { type: 'string', default: 'true' },
    'live-bytes': { type: 'string', default: String(64 * 1_048_576) },
  },
});
const batches = Number(args.batches);
const size = Number(args['batch-size']);
const keyed = args.keyed === 'true';
const log = createLogger('warn');

const client = new MongoClient(mongoUrl, { monitorCommands: true });
const started = new Map<number, string>();
let current: Map<string, number> | null = null;
client.on('commandStarted', (e) =>
  started.set(e.requestId, `${e.commandName} ${String((e.command as Record<string, unknown>)[e.commandName])}`),
);
client.on('commandSucceeded', (e) => {
  const name = started.get(e.requestId) ?? e.commandName;
  if (current) current.set(name, (current.get(name) ?? 0) + e.duration);
});

const hubDb = runDatabase('s2bd', 'hub');
const rawDb = runDatabase('s2bd', 'raw');
let bus: EventBus | undefined;
try {
  await client.connect();
  const store = await createMongoEventStore({
    client,
    dbName: hubDb,
    idempotencyWindowMs: 86_400_000,
    liveCollectionBytes: Number(args['live-bytes']),
  });
  const rawStore = await createMongoEventStore({
    client,
    dbName: rawDb,
    idempotencyWindowMs: 86_400_000,
    liveCollectionBytes: 0,
  });
  await rawStore.close(); // only for its collections and indexes
  const raw = client
    .db(rawDb)
    .collection<StoredEvent>(COLLECTIONS.archive, { writeConcern: { w: 'majority', j: true } });
  const redisUrl = process.env['REDIS_URL'];
  bus = redisUrl ? await createRedisEventBus({ url: redisUrl, log }) : createInProcessEventBus();
  let busMs = 0;
  const innerBus = bus;
  const timedBus: EventBus = {
    ...innerBus,
    async publish(event) {
      const t = performance.now();
      await innerBus.publish(event);
      busMs += performance.now() - t;
    },
  };
  let appendMs = 0;
  const timedStore = {
    ...store,
    async append(events: Parameters<typeof store.append>[0]) {
      const t = performance.now();
      const outcomes = await store.append(events);
      appendMs += performance.now() - t;
      return outcomes;
    },
  };
  const ingest = createIngest({ store: timedStore, bus: timedBus, log, maxEventBytes: 1_048_576, maxBatch: 10_000 });
  const rows: Map<string, number>[] = [];
  let position = 0;
  for (let b = -5; b < batches; b++) {
    const inputs = batchInputs(b + 5, size, { runId: hubDb, keyed });
    current = new Map();
    busMs = 0;
    appendMs = 0;
    const t = performance.now();
    const results = await ingest.publish(BENCH_TENANT, inputs);
    const total = performance.now() - t;
    if (results.some((r) => r.status !== 'ACCEPTED')) throw new Error('an event was not accepted');
    const commands = current;
    const inCommands = [...commands.values()].reduce((a, v) => a + v, 0);
    commands.set('append: in process', appendMs - inCommands);
    commands.set('bus publish (per event, sequential)', busMs);
    commands.set('validation and the rest of ingest', total - appendMs - busMs);
    commands.set('TOTAL hub ingest', total);
    const docs = archiveDocuments(batchInputs(b + 5, size, { runId: rawDb, keyed }), position + 1);
    position += docs.length;
    const r = performance.now();
    await raw.insertMany(docs, { ordered: false });
    commands.set('raw insertMany (for scale)', performance.now() - r);
    current = null;
    if (b >= 0) rows.push(commands);
  }
  const names = [...new Set(rows.flatMap((row) => [...row.keys()]))];
  process.stdout.write(
    `S2 breakdown: ${batches} batches of ${size} one at a time, ${keyed ? 'keyed' : 'no keys'}, bus ${redisUrl ? 'Redis' : 'in-process'}\n\n| step | median ms per batch |\n|---|---:|\n`,
  );
  for (const name of names)
    process.stdout.write(`| ${name} | ${median(rows.map((row) => row.get(name) ?? 0)).toFixed(1)} |\n`);
} finally {
  await bus?.close();
  for (const name of [hubDb, rawDb])
    await client
      .db(name)
      .dropDatabase()
      .catch(() => undefined);
  await client.close();
}
