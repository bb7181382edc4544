import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { MongoClient } from 'mongodb';
import { COLLECTIONS } from '../../src/store/mongodb/index.ts';
import { processCpuMs, listenerPid, serverCommands } from '../support/cpu.ts';
import { withDeadline } from '../cluster-support/deadline.ts';
import { postGraphql } from '../support/graphql.ts';
import { spawnHubProcess, type HubProcess } from '../../test/support/hub-process.ts';
import { BENCH_HUB } from '../support/hub.ts';
import { PROFILE_DIR } from '../support/profiles.ts';
import { requireUrls, runDatabase } from '../cluster-support/servers.ts';
import { thousands } from '../support/stats.ts';
import { BENCH_API_KEYS, BENCH_KEY, BENCH_TENANT } from '../cluster-support/workload.ts';
import { storedPositions, type Expected } from './check.ts';
import { readThroughHub, type ReadResult } from './hub-side.ts';
import { readRaw } from './raw-side.ts';
import { report, type Sample, type Side } from './report.ts';
import { seed } from './seed.ts';

/**
 * S6: catch-up of a resuming subscriber. N events are stored once through
 * the hub's MongoDB store; then rounds alternate a graphql-ws subscription
 * with `after: "0"` on a hub process (started as `main` starts it, one per
 * hub round) and the driver's `find` over the same archive in position order
 * (hub first in odd rounds, raw first in even ones). Every read must deliver each stored
 * position once, in order; the hub then gets a few live events, which must
 * arrive once each. See BENCHMARKS.md.
 */
const { MONGODB_URL: mongoUrl } = requireUrls('S6', 'bench:s6', ['MONGODB_URL']);
const { values: args } = parseArgs({
  options: {
    /** Stored events. The issue's scenario is 100,000 (`--events 100000 --rounds 1`, BENCHMARKS.md). */
    events: { type: 'string', default: '5000' },
    rounds: { type: 'string', default: '3' },
    /** Events per `append` while seeding. */
    batch: { type: 'string', default: '1000' },
    /** The driver's batch size; the hub reads its catch-up in pages of 500. */
    page: { type: 'string', default: '500' },
    /** Live events published after each hub catch-up. */
    live: { type: 'string', default: '5' },
    /** Seconds a hub read may take before it is stopped and reported as partial. */
    budget: { type: 'string', default: '900' },
    /** The hub's MONGODB_TIMEOUT_MS (maxTimeMS of its queries); unset keeps its default, 10 s. */
    'hub-timeout-ms': { type: 'string' },
    /** Use this already seeded database (and keep it) instead of seeding a fresh one. */
    db: { type: 'string' },
    /** Keep the seeded database for a later `--db`. */
    'keep-db': { type: 'boolean', default: false },
    /** Seconds to watch an idle hub (no client) before the rounds: what its background work asks of the server. 0 skips. */
    idle: { type: 'string', default: '10' },
    /** Run the hub under `node --cpu-prof` (one profile per hub round in bench/profiles/). */
    profile: { type: 'boolean', default: false },
    json: { type: 'string' },
  },
});
const total = Number(args.events);
const rounds = Number(args.rounds);
const page = Number(args.page);
const budgetMs = Number(args.budget) * 1000;
const idleSeconds = Number(args.idle);
const say = (line: string) => process.stdout.write(`${line}\n`);

const client = new MongoClient(mongoUrl);
const dbName = args.db ?? runDatabase('s6', String(total));
const archive = client.db(dbName).collection(COLLECTIONS.archive);
let hub: HubProcess | undefined;

/** What an existing database holds: its tombstones and highest position (two scans). */
async function archiveFacts(): Promise<{ highest: number; tombstones: number[] }> {
  const gaps = await archive
    .find({ tenantId: BENCH_TENANT, gap: true }, { projection: { _id: 0, position: 1 } })
    .toArray();
  const [top] = await archive
    .find({ tenantId: BENCH_TENANT }, { projection: { _id: 0, position: 1 }, sort: { position: -1 }, limit: 1 })
    .toArray();
  return {
    highest: (top?.['position'] as number | undefined) ?? 0,
    tombstones: gaps.map((g) => g['position'] as number),
  };
}

try {
  let facts: { highest: number; tombstones: number[] };
  if (args.db) {
    facts = await archiveFacts();
    say(`S6: using database ${dbName} (highest position ${facts.highest}, ${facts.tombstones.length} tombstones)`);
  } else {
    let shown = 0;
    const seeded = await seed(client, dbName, total, Number(args.batch), (done) => {
      if (done - shown >= 20_000) {
        shown = done;
        process.stderr.write(`seeded ${thousands(shown)}\n`);
      }
    });
    facts = seeded;
    say(
      `S6: seeded ${thousands(seeded.events)} events in ${seeded.seconds.toFixed(1)} s (${thousands(seeded.events / seeded.seconds)} events/s, batches of ${args.batch}), tombstones at ${seeded.tombstones.join(', ')}`,
    );
  }
  const tombstones = new Set(facts.tombstones);
  const expected: Expected = { positions: storedPositions(facts.highest, tombstones), tombstones };

  const startHub = () =>
    spawnHubProcess({
      ...BENCH_HUB,
      cpuProfileDir: args.profile ? PROFILE_DIR : undefined,
      env: {
        MONGODB_URL: mongoUrl,
        MONGODB_DB: dbName,
        HUB_API_KEYS: BENCH_API_KEYS,
        ...(args['hub-timeout-ms'] && { MONGODB_TIMEOUT_MS: args['hub-timeout-ms'] }),
      },
    });
  /**
   * Waits until the hub's handler lines stand at the head. The seed bypasses the hub, so a fresh
   * database has no checkpoints and every line would first read the whole archive, on FerretDB a
   * scan of its own competing with the read under test; a hub that has run before has its lines at
   * the head, and that is the resume this measures.
   */
  const handlersCaughtUp = async (started: HubProcess) => {
    const since = performance.now();
    for (;;) {
      const { handlers } = await postGraphql<{ handlers: { lag: number }[] }>(started.url, BENCH_KEY, {
        query: '{ handlers { lag } }',
      });
      if (handlers.every((h) => h.lag === 0)) break;
      if (performance.now() - since > 600_000) throw new Error('the handler lines did not catch up within 10 minutes');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    say(`hub up, its handler lines caught up in ${((performance.now() - since) / 1000).toFixed(1)} s`);
  };
  const commandsDuring = async <T>(work: () => Promise<T>) => {
    const before = await serverCommands(client.db('admin'));
    const result = await work();
    const after = await serverCommands(client.db('admin'));
    return {
      result,
      commands: {
        find: (after['find'] ?? 0) - (before['find'] ?? 0),
        getMore: (after['getMore'] ?? 0) - (before['getMore'] ?? 0),
      },
    };
  };

  if (idleSeconds > 0) {
    // What a hub with no client at all asks of the server (its background work: the handler runtime's polls).
    hub = await startHub();
    const ferretdb = listenerPid(mongoUrl);
    const cpuBefore = { hub: processCpuMs(hub.child.pid), server: processCpuMs(ferretdb) };
    const { commands } = await commandsDuring(() => new Promise((resolve) => setTimeout(resolve, idleSeconds * 1000)));
    // NaN when the process is not on this machine (a remote MongoDB).
    const cpu = (ms: number) => (Number.isNaN(ms) ? 'n/a' : `${((100 * ms) / (idleSeconds * 1000)).toFixed(0)} %`);
    say(
      `idle hub, ${idleSeconds} s, no client: ${(commands.find / idleSeconds).toFixed(1)} find/s and ${(commands.getMore / idleSeconds).toFixed(1)} getMore/s on the server; ` +
        `CPU: hub ${cpu(processCpuMs(hub.child.pid) - cpuBefore.hub)}, MongoDB-wire server ${cpu(processCpuMs(ferretdb) - cpuBefore.server)}`,
    );
    await hub.stop();
    hub = undefined;
  }

  say(
    `${rounds} rounds over ${thousands(expected.positions.length)} stored events, hub and raw alternating; hub budget ${args.budget} s, MONGODB_TIMEOUT_MS ${args['hub-timeout-ms'] ?? 'default (10000)'}`,
  );
  const samples: Sample[] = [];
  const sides: Record<Side, () => Promise<ReadResult>> = {
    // A hub process per hub round, stopped afterwards: the raw reads run with no hub loading the server.
    async hub() {
      hub = await startHub();
      try {
        await handlersCaughtUp(hub);
        return await readThroughHub({ url: hub.url, expected, page: 500, live: Number(args.live), budgetMs });
      } finally {
        await hub.stop();
        hub = undefined;
      }
    },
    raw: () => readRaw(archive, expected, page),
  };
  for (let round = 1; round <= rounds; round++) {
    const order: Side[] = round % 2 === 1 ? ['hub', 'raw'] : ['raw', 'hub'];
    const line: string[] = [];
    for (const side of order) {
      // The hub stops itself at its budget; the rest is slack for starting and stopping it. The driver gets half an hour.
      const deadlineMs = side === 'hub' ? budgetMs + 300_000 : 1_800_000;
      const { result, commands } = await withDeadline(
        commandsDuring(sides[side]),
        deadlineMs,
        `round ${round}, ${side}`,
      );
      samples.push({ round, side, ...result, commands });
      const note = result.error ? ` (${result.error})` : result.partial ? ' (budget)' : '';
      line.push(
        `${side} ${thousands(result.events / result.seconds)} events/s in ${result.seconds.toFixed(1)} s${note}`,
      );
    }
    say(`round ${round}: ${line.join(', ')}`);
  }
  const summary = report(samples);
  say(`\n${summary.text}`);
  const failed = samples.filter((sample) => sample.error);
  if (failed.length)
    say(
      `\n${failed.length} read(s) ended with an error: ${failed.map((f) => `round ${f.round} ${f.side}: ${f.error}`).join('; ')}`,
    );
  if (!summary.data.clean || failed.length) process.exitCode = 1;
  if (args.json)
    writeFileSync(args.json, JSON.stringify({ events: total, rounds, page, samples, ...summary.data }, null, 2));
} finally {
  await hub?.stop();
  if (!args.db && !args['keep-db'])
    await client
      .db(dbName)
      .dropDatabase()
      .catch(() => {});
  else say(`database kept: ${dbName}`);
  await client.close();
}
