import { writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { MongoClient } from 'mongodb';
import { COLLECTIONS } from '../../src/store/mongodb/index.ts';
import { processCpuMs, listenerPid, serverCommands } from '../support/cpu.ts';
import { withDeadline } from '../cluster-support/deadline.ts';
import { postGraphql } from '../support/graphql.ts';
import { spawnHubProcess, type HubProcess } from '../../test/support/hub-process.ts';
import { BENCH_HUB } from '../support/hub.ts';
import { requireUrls, runDatabase } from '../cluster-support/servers.ts';
import { BENCH_KEY } from '../cluster-support/workload.ts';
import { thousands } from '../support/stats.ts';
import { seed } from '../s6/seed.ts';
import { measureLive, type LatencyPhase } from './live-latency.ts';
import { NOOP_HANDLER } from './noop-handler.ts';
import { replayRaw } from './raw-side.ts';
import { report, type LatencySample, type ThroughputSample } from './report.ts';
import { startReplay } from './replay-side.ts';
import { HANDLER_LAG, S8_API_KEYS } from './workload.ts';

/**
 * S8: replays. (1) Throughput: a HANDLERS replay of N stored events to a
 * no-op handler on a hub process, against the driver's `find` over the same
 * events feeding the same function, alternated. (2) Live latency: pings
 * published and received on the hub with a replay running (at the default
 * HUB_REPLAY_RATE) against the same without one, alternated. See BENCHMARKS.md.
 */
const { MONGODB_URL: mongoUrl } = requireUrls('S8', 'bench:s8', ['MONGODB_URL']);
const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '5000' },
    rounds: { type: 'string', default: '3' },
    /** Events per read: the replay's batch (its default) and the driver's batchSize. */
    batch: { type: 'string', default: '200' },
    /** HUB_REPLAY_RATE for the throughput rounds: high enough not to pace. */
    'replay-rate': { type: 'string', default: '1000000' },
    /** Pings per second in the latency phases, and how long each phase publishes. */
    'live-rate': { type: 'string', default: '25' },
    'live-seconds': { type: 'string', default: '20' },
    /** Skip the throughput or the latency half. */
    'no-throughput': { type: 'boolean', default: false },
    'no-latency': { type: 'boolean', default: false },
    json: { type: 'string' },
  },
});
const total = Number(args.events);
const rounds = Number(args.rounds);
const batch = Number(args.batch);
const say = (line: string) => process.stdout.write(`${line}\n`);
const HANDLER_MODULE = fileURLToPath(new URL('./noop-handler.ts', import.meta.url));

const client = new MongoClient(mongoUrl);
const dbName = runDatabase('s8', String(total));
const archive = client.db(dbName).collection(COLLECTIONS.archive);
let hub: HubProcess | undefined;

/**
 * A hub as main starts it, with the no-op handler loaded, once every handler
 * line (the built-in ones too) has caught up with the seeded events: their
 * first reads are scans on FerretDB and would land in the first phase.
 */
async function startHub(env: Record<string, string>): Promise<HubProcess> {
  const started = await spawnHubProcess({
    ...BENCH_HUB,
    env: {
      MONGODB_URL: mongoUrl,
      MONGODB_DB: dbName,
      HUB_API_KEYS: S8_API_KEYS,
      HUB_HANDLER_MODULES: HANDLER_MODULE,
      ...env,
    },
  });
  const since = performance.now();
  for (;;) {
    const { handlers } = await postGraphql<{ handlers: { name: string; lag: number }[] }>(started.url, BENCH_KEY, {
      query: HANDLER_LAG,
    });
    if (handlers.some((h) => h.name === NOOP_HANDLER) && handlers.every((h) => h.lag === 0)) break;
    if (performance.now() - since > 600_000) throw new Error('the handler line did not catch up within 10 minutes');
    await sleep(200);
  }
  say(`hub up, its handler lines caught up in ${((performance.now() - since) / 1000).toFixed(1)} s`);
  return started;
}

try {
  const seeded = await seed(client, dbName, total, 1000, () => {});
  say(`S8: seeded ${thousands(seeded.events)} events in ${seeded.seconds.toFixed(1)} s`);
  const throughput: ThroughputSample[] = [];
  const latency: LatencySample[] = [];

  if (!args['no-throughput']) {
    hub = await startHub({ HUB_REPLAY_RATE: args['replay-rate'] });
    // What each side asks of the server, per event: the commands it runs and the server's CPU.
    const server = listenerPid(mongoUrl);
    const accounts: Record<'hub' | 'raw', { commands: Record<string, number>; serverMs: number; events: number }> = {
      hub: { commands: {}, serverMs: 0, events: 0 },
      raw: { commands: {}, serverMs: 0, events: 0 },
    };
    for (let round = 1; round <= rounds; round++) {
      const order = round % 2 === 1 ? (['hub', 'raw'] as const) : (['raw', 'hub'] as const);
      const line: string[] = [];
      for (const side of order) {
        const before = { commands: await serverCommands(client.db('admin')), cpu: processCpuMs(server) };
        const account = async () => {
          const after = await serverCommands(client.db('admin'));
          const entry = accounts[side];
          for (const [name, count] of Object.entries(after))
            entry.commands[name] = (entry.commands[name] ?? 0) + count - (before.commands[name] ?? 0);
          entry.serverMs += processCpuMs(server) - before.cpu;
          entry.events += total;
        };
        if (side === 'hub') {
          const run = await startReplay(hub.url);
          const result = await withDeadline(run.finished, 1_800_000, `round ${round}, replay`);
          throughput.push({
            round,
            side,
            events: result.processed,
            seconds: result.seconds,
            ok: result.status === 'COMPLETED' && result.processed === total && result.failed === 0,
          });
          line.push(
            `hub ${thousands(result.processed / result.seconds)} events/s (${result.status}, ${result.processed} processed, ${result.failed} failed)`,
          );
        } else {
          const result = await withDeadline(replayRaw(archive, batch), 1_800_000, `round ${round}, raw`);
          throughput.push({ round, side, ...result, ok: result.events === total });
          line.push(`raw ${thousands(result.events / result.seconds)} events/s`);
        }
        await account();
      }
      say(`throughput round ${round}: ${line.join(', ')}`);
    }
    for (const side of ['hub', 'raw'] as const) {
      const { commands, serverMs, events } = accounts[side];
      const perThousand = Object.entries(commands)
        .filter(([, count]) => count > 0)
        .sort((a, b) => b[1] - a[1])
        .map(([name, count]) => `${name} ${((1000 * count) / events).toFixed(1)}`)
        .join(', ');
      say(
        `${side}: per 1,000 events the server ran ${perThousand || 'nothing'}; server CPU ${Number.isNaN(serverMs) ? 'n/a' : ((1000 * serverMs) / events).toFixed(0)} ms`,
      );
    }
    await hub.stop();
    hub = undefined;
  }

  if (!args['no-latency']) {
    hub = await startHub({});
    const rate = Number(args['live-rate']);
    const seconds = Number(args['live-seconds']);
    let seq = 0;
    for (let round = 1; round <= rounds; round++) {
      const order = round % 2 === 1 ? (['quiet', 'replay'] as const) : (['replay', 'quiet'] as const);
      for (const phase of order) {
        let measured: LatencyPhase;
        let replayed = '';
        if (phase === 'replay') {
          const run = await startReplay(hub.url);
          measured = await measureLive(hub.url, rate, seconds, seq);
          const stillRunning = await Promise.race([run.finished.then(() => false), sleep(0).then(() => true)]);
          if (stillRunning) await run.cancel();
          const result = await withDeadline(run.finished, 60_000, `round ${round}, replay phase`);
          replayed = `, replay ${result.status} after ${result.processed} events${stillRunning ? ' (cancelled at the end of the phase)' : ' (ended before the phase did)'}`;
        } else {
          measured = await measureLive(hub.url, rate, seconds, seq);
        }
        seq += measured.published;
        latency.push({ round, phase, ...measured });
        say(
          `latency round ${round}, ${phase}: ${measured.latencies.length}/${measured.published} pings, ${measured.missing} missing, ${measured.duplicates} twice${replayed}`,
        );
      }
    }
  }

  const summary = report(throughput, latency);
  say(`\n${summary.text}`);
  if (!summary.clean) process.exitCode = 1;
  if (args.json)
    writeFileSync(
      args.json,
      JSON.stringify(
        {
          events: total,
          rounds,
          batch,
          throughput,
          latency: latency.map(({ latencies, ...rest }) => ({ ...rest, count: latencies.length })),
        },
        null,
        2,
      ),
    );
} finally {
  await hub?.stop();
  await client
    .db(dbName)
    .dropDatabase()
    .catch(() => {});
  await client.close();
}
