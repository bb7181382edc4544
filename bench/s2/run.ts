import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { MongoClient } from 'mongodb';
import { listenerPid } from '../support/cpu.ts';
import { hubVersion, parseEnvItems, requireMongoUrl, runDatabase } from '../mongo-support/servers.ts';
import { thousands } from '../support/stats.ts';
import { runHubSide } from './hub-side.ts';
import { runRawSide } from './raw-side.ts';
import { report, type Sample, type Side } from './report.ts';
import type { SideOptions, SideResult } from './side.ts';

/**
 * S2: durable batch ingest through the hub (publishEvents over HTTP to a hub
 * process started as `main` starts it) against the driver's insertMany of the
 * same archive documents, same server, batch size and write concern. Rounds
 * alternate the two sides (hub first in odd rounds, raw first in even ones);
 * each side of each round gets a fresh database, dropped afterwards, so data
 * volume is the same small amount everywhere. See BENCHMARKS.md.
 */
const mongoUrl = requireMongoUrl('S2');
const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '7' },
    batches: { type: 'string', default: '30' },
    'batch-size': { type: 'string', default: '100' },
    concurrency: { type: 'string', default: '4' },
    warmup: { type: 'string', default: '5' },
    /** `majority` or a node count, for both sides (the hub's MONGODB_WRITE_CONCERN). */
    w: { type: 'string', default: 'majority' },
    journal: { type: 'string', default: 'true' },
    /** Whether every event carries an idempotency key (the hub claims it before storing). */
    keyed: { type: 'string', default: 'true' },
    /** The hub's MONGODB_LIVE_BYTES: 0 switches the live copy off; unset keeps the hub's default (64 MiB). */
    'live-bytes': { type: 'string' },
    /** `env`: the hub uses REDIS_URL when set, as main does; `in-process`: the hub runs without it. */
    bus: { type: 'string', default: 'env' },
    /** `hub`: the raw collection has the archive's indexes; `none`: a bare collection. */
    'raw-indexes': { type: 'string', default: 'hub' },
    /** Extra environment for the hub process, e.g. `--hub-env HUB_HANDLER_POLL_MS=600000`; repeatable. */
    'hub-env': { type: 'string', multiple: true },
    /** Runs the hub under `node --cpu-prof` (one profile per round in bench/profiles/s2/). */
    profile: { type: 'boolean', default: false },
    /** Keeps each round's databases instead of dropping them. */
    'keep-dbs': { type: 'boolean', default: false },
    json: { type: 'string' },
    /** Another checkout (a `git worktree` of main, with node_modules) whose hub runs as a third side, `base`. */
    baseline: { type: 'string' },
    /** How the hub sides get their batches: `graphql` (publishEvents) or `cloudevents` (a CloudEvents batch at POST /events). */
    door: { type: 'string', default: 'graphql' },
    /** Adds the side `embedded`: the same hub and requests on the embedded store, no MongoDB work at all. */
    embedded: { type: 'boolean', default: false },
  },
});
const rounds = Number(args.rounds);
const bool = (value: string, name: string) => {
  if (value !== 'true' && value !== 'false') throw new Error(`--${name} takes true or false`);
  return value === 'true';
};
if (args['raw-indexes'] !== 'hub' && args['raw-indexes'] !== 'none') throw new Error('--raw-indexes takes hub or none');
if (args.bus !== 'env' && args.bus !== 'in-process') throw new Error('--bus takes env or in-process');
if (args.door !== 'graphql' && args.door !== 'cloudevents') throw new Error('--door takes graphql or cloudevents');
const redisUrl = process.env['REDIS_URL'];
const base: Omit<SideOptions, 'dbName' | 'runId'> = {
  pids: { server: listenerPid(mongoUrl), redis: redisUrl ? listenerPid(redisUrl) : undefined, runner: process.pid },
  batches: Number(args.batches),
  batchSize: Number(args['batch-size']),
  concurrency: Number(args.concurrency),
  warmupBatches: Number(args.warmup),
  writeConcern: args.w === 'majority' ? 'majority' : Number(args.w),
  journal: bool(args.journal, 'journal'),
  keyed: bool(args.keyed, 'keyed'),
  profile: args.profile,
  rawIndexes: args['raw-indexes'],
  liveBytes: args['live-bytes'] === undefined ? undefined : Number(args['live-bytes']),
  bus: args.bus,
  door: args.door,
  hubEnv: parseEnvItems(args['hub-env']),
};
const runners: Record<Side, typeof runHubSide> = {
  hub: runHubSide,
  raw: runRawSide,
  base: (c, options) => runHubSide(c, { ...options, root: args.baseline }),
  embedded: (c, options) => runHubSide(c, { ...options, embedded: true }),
};
const sides: Side[] = [
  'hub',
  'raw',
  ...(args.baseline ? (['base'] as const) : []),
  ...(args.embedded ? (['embedded'] as const) : []),
];

const client = new MongoClient(mongoUrl, { serverSelectionTimeoutMS: 10_000 });
try {
  await client.connect();
  const { version } = await client.db('admin').command({ buildInfo: 1 });
  process.stdout.write(
    `S2 durable batch ingest, hub ${hubVersion()}, on ${mongoUrl} (server reports ${String(version)}), hub bus ${redisUrl && base.bus === 'env' ? 'Redis' : 'in-process'}: ` +
      `${rounds} rounds × ${base.batches} batches of ${base.batchSize}, ${base.concurrency} in flight, warm-up ${base.warmupBatches} batches, ` +
      `w=${String(base.writeConcern)} j=${base.journal}, ${base.keyed ? 'every event keyed' : 'no idempotency keys'}, hub door: ${base.door}, raw indexes: ${base.rawIndexes}, hub live copy: ${base.liveBytes === 0 ? 'off' : 'on'}` +
      `${Object.keys(base.hubEnv).length ? `, hub env ${JSON.stringify(base.hubEnv)}` : ''}\n`,
  );
  const samples: Sample[] = [];
  const details: { round: number; side: Side; result: SideResult }[] = [];
  for (let round = 1; round <= rounds; round++) {
    const order: Side[] = round % 2 === 1 ? sides : [...sides].reverse();
    const line: string[] = [];
    for (const side of order) {
      const dbName = runDatabase('s2', `r${round}_${side}`);
      try {
        const result = await runners[side](client, { ...base, dbName, runId: dbName });
        const perThousand = Object.fromEntries(
          Object.entries(result.cpuMs).map(([p, ms]) => [p, (ms * 1000) / (base.batches * base.batchSize)]),
        );
        samples.push({ round, side, eventsPerSecond: result.eventsPerSecond, cpuPerThousand: perThousand });
        details.push({ round, side, result });
        line.push(`${side} ${thousands(result.eventsPerSecond)}`);
      } finally {
        if (!args['keep-dbs']) await client.db(dbName).dropDatabase();
      }
    }
    const hub = details.find((d) => d.round === round && d.side === 'hub')!.result;
    process.stdout.write(`round ${round}: ${line.join(', ')} events/s (hub archive ${JSON.stringify(hub.stored)})\n`);
  }
  const summary = report(samples);
  process.stdout.write(`\n${summary.text}\n`);
  if (args.json) writeFileSync(args.json, JSON.stringify({ options: base, rounds, details, ...summary.data }, null, 2));
} finally {
  await client.close();
}
