import { type CommandStartedEvent, MongoClient } from 'mongodb';
import { pino } from 'pino';
import { compileFilter } from '../../src/filter/index.ts';
import type { EventStore } from '../../src/store/event-store.ts';
import { COLLECTIONS, createMongoEventStore } from '../../src/store/mongodb/index.ts';
import { BENCH_TENANT } from '../cluster-support/workload.ts';

export interface WindowModeOptions {
  mongoUrl: string;
  dbName: string;
  /** The archive's highest position (the seed's). */
  highest: number;
  /** How far behind the head the resume starts (events). */
  recent: number;
  /** How many of the newest events the live window holds. */
  window: number;
  rounds: number;
  say(line: string): void;
}

type Side = 'window' | 'archive';

/**
 * S6, window mode: the resume of a subscriber whose cursor is `recent`
 * events behind the head, read by the store's `readRange` (what a
 * subscription's catch-up calls) once with the live window and once from the
 * archive alone (a store without a window, on the same database), alternating
 * which goes first. The seed writes no live copy, so the window is filled
 * here with copies of the newest `window` archived events, as the store's
 * copier would have left them. Each read must return every position of the
 * range once, in order; the finds each side sent are counted by collection.
 */
export async function runWindowMode(options: WindowModeOptions): Promise<boolean> {
  const { dbName, highest, recent, say } = options;
  const client = new MongoClient(options.mongoUrl, { monitorCommands: true });
  const finds: string[] = [];
  client.on('commandStarted', (event: CommandStartedEvent) => {
    const collection = String(event.command['find']);
    if (event.commandName === 'find' && collection.startsWith('events')) finds.push(collection);
  });
  const log = pino({ level: 'warn' });
  const common = { client, dbName, idempotencyWindowMs: 86_400_000, log, claimSweepIntervalMs: 0 };
  const stores: Record<Side, EventStore> = {
    window: await createMongoEventStore({ ...common, liveCollectionBytes: 256 * 1_048_576 }),
    archive: await createMongoEventStore({ ...common, liveCollectionBytes: 0 }),
  };
  let clean = true;
  try {
    const db = client.db(dbName);
    const newest = await db
      .collection(COLLECTIONS.archive)
      .find({ tenantId: BENCH_TENANT, gap: { $ne: true }, position: { $gt: highest - options.window } })
      .sort({ position: 1 })
      .toArray();
    await db
      .collection(COLLECTIONS.live)
      .deleteMany({})
      .catch(() => {}); // a capped collection may refuse: then it is new
    for (let i = 0; i < newest.length; i += 1000)
      await db.collection(COLLECTIONS.live).insertMany(newest.slice(i, i + 1000));
    say(`window mode: live window holds the newest ${newest.length} events; resume ${recent} behind head ${highest}`);
    const after = highest - recent;
    const rows: string[] = [];
    const ms: Record<Side, number[]> = { window: [], archive: [] };
    for (let round = 1; round <= options.rounds; round++) {
      const order: Side[] = round % 2 ? ['window', 'archive'] : ['archive', 'window'];
      for (const side of order) {
        finds.length = 0;
        const started = performance.now();
        const range = await stores[side].readRange(BENCH_TENANT, { after, filter: compileFilter(null), batch: 500 });
        const positions: number[] = [];
        for await (const page of range.pages) for (const event of page) positions.push(event.position);
        const took = performance.now() - started;
        const whole = positions.length === recent && positions.every((p, i) => p === after + 1 + i);
        clean &&= whole;
        ms[side].push(took);
        const hit = [...new Set(finds)].join('+');
        rows.push(
          `round ${round} ${side}: ${positions.length} events in ${took.toFixed(1)} ms, finds on ${hit}${whole ? '' : ' (WRONG)'}`,
        );
      }
    }
    for (const row of rows) say(row);
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    say(
      `median: window ${median(ms.window).toFixed(1)} ms, archive ${median(ms.archive).toFixed(1)} ms, ratio archive/window ${(median(ms.archive) / median(ms.window)).toFixed(1)}×`,
    );
  } finally {
    await stores.window.close();
    await stores.archive.close();
    await client.close();
  }
  return clean;
}
