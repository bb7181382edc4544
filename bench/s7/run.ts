import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { MongoClient, type Document } from 'mongodb';
import { COLLECTIONS } from '../../src/store/mongodb/index.ts';
import { cpuDuring, listenerPid } from '../support/cpu.ts';
import { join } from 'node:path';
import { spawnHubProcess, type HubProcess } from '../../test/support/hub-process.ts';
import { postGraphql } from '../support/graphql.ts';
import { BENCH_HUB } from '../support/hub.ts';
import { PROFILE_DIR } from '../support/profiles.ts';
import { hubVersion, parseEnvItems, requireMongoUrl, runDatabase } from '../mongo-support/servers.ts';
import { quantile } from '../support/stats.ts';
import { backgroundLoad, settle } from './background.ts';
import { report, type Sample, type Side } from './report.ts';
import { prepareSearches, type PreparedSearch } from './searches.ts';
import { seed } from './seed.ts';
import { BENCH_API_KEYS, BENCH_KEY, BENCH_TENANT } from './workload.ts';

/**
 * S7: an auditor's search through the hub's `events` query (HTTP, a hub
 * process started as `main` starts it) against the driver's `find` with the
 * same compiled query document, sort and limit, on the same server and
 * collection. 20k events are stored once through the hub's own store; then
 * rounds alternate single queries hub, raw, hub, raw… (raw first in even
 * rounds). Every answer must be the expected page of ids. See BENCHMARKS.md.
 */
const mongoUrl = requireMongoUrl('S7');
const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '3' },
    /** Queries per side per round; the searches follow each other in one cycle across rounds. */
    queries: { type: 'string', default: '2' },
    first: { type: 'string', default: '100' },
    /** Use this already seeded database (and keep it) instead of seeding a fresh one. */
    db: { type: 'string' },
    /** Keep the seeded database for a later `--db`. */
    'keep-db': { type: 'boolean', default: false },
    /**
     * maxTimeMS of both sides (the hub's MONGODB_TIMEOUT_MS). The hub's default, 10 s, is less than
     * a 20k-event scan can take on FerretDB on a busy 2-core machine.
     */
    'max-time-ms': { type: 'string', default: '60000' },
    /**
     * Extra environment for the measured hub, repeatable. The default pushes the handler runtime's
     * store poll (HUB_HANDLER_POLL_MS, 1 s in main) out to an hour, so that both sides query a quiet
     * server; `--hub-env HUB_HANDLER_POLL_MS=1000` measures with main's poll.
     */
    'hub-env': { type: 'string', multiple: true, default: ['HUB_HANDLER_POLL_MS=3600000'] },
    /** Skip the check of what an idle hub (as main starts it) makes the server do. */
    'no-background': { type: 'boolean', default: false },
    /** Runs the measured hub under `node --cpu-prof` (bench/profiles/s7/). */
    profile: { type: 'boolean', default: false },
    json: { type: 'string' },
  },
});
const total = Number(args.events);
const rounds = Number(args.rounds);
const perRound = Number(args.queries);
const first = Number(args.first);
const maxTimeMS = Number(args['max-time-ms']);
const hubEnv = parseEnvItems(args['hub-env']);
const say = (text: string) => process.stdout.write(`${text}\n`);

const client = new MongoClient(mongoUrl, { serverSelectionTimeoutMS: 10_000 });
const dbName = args.db ?? runDatabase('s7', 'audit');
const serverPid = listenerPid(mongoUrl);
let hub: HubProcess | undefined;
try {
  await client.connect();
  const archive = client.db(dbName).collection<Document>(COLLECTIONS.archive);
  if (args.db && (await archive.countDocuments({ tenantId: BENCH_TENANT, gap: { $ne: true } })) === total) {
    say(`S7 reusing ${dbName} (${total} events)`);
  } else {
    const started = performance.now();
    const head = await seed(client, dbName, total);
    if (head !== total) throw new Error(`seeding stored ${head} positions for ${total} events`);
    say(
      `S7 seeded ${total} events through the store into ${dbName} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
  }
  const searches = await prepareSearches(archive, total, first);
  for (const s of searches)
    say(`search "${s.name}": ${s.matching} matching events, query ${JSON.stringify(s.compiled.query)}`);

  const baseEnv = { MONGODB_DB: dbName, HUB_API_KEYS: BENCH_API_KEYS };
  hub = await spawnHubProcess({
    ...BENCH_HUB,
    inheritEnv: true, // MONGODB_URL comes from the runner's environment
    env: { ...baseEnv, MONGODB_TIMEOUT_MS: String(maxTimeMS), ...hubEnv },
    cpuProfileDir: args.profile ? join(PROFILE_DIR, 's7') : undefined,
  });
  const hubUrl = hub.url;
  const ask: Record<Side, (s: PreparedSearch) => Promise<void>> = {
    async hub(s) {
      type Answer = { events: { edges: { node: { id: string } }[]; pageInfo: { hasNextPage: boolean } } };
      const page = (await postGraphql<Answer>(hubUrl, BENCH_KEY, s.body)).events;
      if (page.edges.map((e) => e.node.id).join(',') !== s.expected || page.pageInfo.hasNextPage !== s.hasNextPage) {
        throw new Error(`hub: "${s.name}" returned a different page than expected`);
      }
    },
    async raw(s) {
      const docs = await archive
        .find({ tenantId: BENCH_TENANT, ...s.compiled.query }, { sort: { position: -1 }, limit: first, maxTimeMS })
        .toArray();
      if (docs.map((doc) => doc['id'] as string).join(',') !== s.expected)
        throw new Error(`raw: "${s.name}" returned a different page than expected`);
    },
  };
  /** CPU milliseconds per process, summed per side over the measured queries. */
  const cpu: Record<Side, Record<string, number>> = { hub: {}, raw: {} };
  const timed = async (side: Side, s: PreparedSearch, count = true) => {
    const { result: ms, cpuMs } = await cpuDuring(
      { server: serverPid, hub: hub!.child.pid, runner: process.pid },
      async () => {
        const started = performance.now();
        await ask[side](s);
        return performance.now() - started;
      },
    );
    if (count) for (const [name, value] of Object.entries(cpuMs)) cpu[side][name] = (cpu[side][name] ?? 0) + value;
    return ms;
  };

  const settled = await settle(serverPid);
  say(
    `S7 audit search, hub ${hubVersion()}: ${rounds} rounds × ${perRound} queries per side, first ${first}, maxTimeMS ${maxTimeMS}, ` +
      `hub env ${JSON.stringify(hubEnv)}; the server settled after the hub's start in ${(settled / 1000).toFixed(0)} s`,
  );
  for (const side of ['hub', 'raw'] as const) await timed(side, searches[0]!, false); // warm-up (every answer is checked)
  const samples: Sample[] = [];
  for (let round = 1; round <= rounds; round++) {
    const order: Side[] = round % 2 === 1 ? ['hub', 'raw'] : ['raw', 'hub'];
    for (let q = 0; q < perRound; q++) {
      const s = searches[((round - 1) * perRound + q) % searches.length]!; // one cycle through the searches across rounds
      for (const side of order) samples.push({ round, side, search: s.name, ms: await timed(side, s) });
    }
    const line = order.map((side) => {
      const ms = samples.filter((x) => x.round === round && x.side === side).map((x) => x.ms);
      return `${side} p50 ${quantile(ms, 0.5).toFixed(0)} p95 ${quantile(ms, 0.95).toFixed(0)}`;
    });
    say(`round ${round}: ${line.join(', ')} ms`);
  }
  await hub.stop();

  // Last, so that what it leaves running on the server cannot slow the measured queries.
  let background: Awaited<ReturnType<typeof backgroundLoad>> | undefined;
  if (!args['no-background'] && serverPid !== undefined) {
    background = await backgroundLoad(serverPid, baseEnv);
    say(
      `server CPU with no query running: ${background.withoutHub?.toFixed(0)} ms/s without a hub, ${background.withIdleHub?.toFixed(0)} ms/s with an idle hub as main starts it`,
    );
  }
  const summary = report(samples, cpu);
  say(`\n${summary.text}`);
  if (args.json) {
    const matching = Object.fromEntries(searches.map((s) => [s.name, s.matching]));
    writeFileSync(
      args.json,
      JSON.stringify(
        { total, rounds, perRound, first, hubEnv, background, matching, samples, cpu, ...summary.data },
        null,
        2,
      ),
    );
  }
} finally {
  await hub?.stop();
  if (!args.db && !args['keep-db'])
    await client
      .db(dbName)
      .dropDatabase()
      .catch(() => undefined);
  await client.close();
}
