import { writeFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Delivery, acceptedPosition, drive, postJson, until } from '../live-support/drive.ts';
import { spawnChild, type Child } from '../live-support/ipc.ts';
import type { CheckResult, Expectation } from '../live-support/load-generator.ts';
import { cpuMicros, settledStats, type ProcessStats } from '../live-support/process-stats.ts';
import { AUTHORIZATION, EVENT_INPUT, PUBLISH_HEADERS, SUBSCRIPTION_QUERY } from '../live-support/workload.ts';
import { memoryReport, report, type MemorySample, type Sample, type ServerKind } from './report.ts';
import { connectionSpecs, eventBodies, expectations, keyedType, unmatchedType, wildcardsFor } from './workload.ts';
import { PROFILE_DIR } from '../support/profiles.ts';

/**
 * S4: many subscribers on distinct keys. Every subscriber follows its own
 * exact type, plus 1 % on a wildcard; each event goes to one keyed subscriber
 * and every wildcard one. The hub (indexed by literal type segments) against
 * Apollo Server with graphql-subscriptions' `withFilter` (every event wakes
 * every subscriber), each at two sizes, each in its own child process and
 * kept for the whole run with its subscribers connected; rounds take turns
 * over them (the order flips every round). Measured: the server's CPU time
 * per event and per delivered frame, and its memory: RSS and heap after a
 * full GC with no subscriber (idle, just started), and again once every
 * subscriber is connected, per connection. See BENCHMARKS.md.
 */
const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '7' },
    /** Keyed subscribers at each size (wildcards: 1 % more); the first is "large", the last "small". */
    subscribers: { type: 'string', default: '10000,100' },
    /** Events per timed hub run, per size. */
    'hub-events': { type: 'string', default: '300,1500' },
    /** Events per timed Apollo run, per size. */
    'apollo-events': { type: 'string', default: '15,300' },
    window: { type: 'string', default: '16' },
    concurrency: { type: 'string', default: '4' },
    servers: { type: 'string', default: 'hub,apollo' },
    /** `http`: the publishEvent mutation over HTTP (both servers); `ipc`: straight into ingest / the PubSub. */
    publish: { type: 'string', default: 'http' },
    /** Skips the hub's no-match runs. */
    'no-baseline': { type: 'boolean', default: false },
    /** Server kinds to run under `node --cpu-prof` (profiles in bench/profiles/). */
    profile: { type: 'string', default: '' },
    /** Extra Node flags for the server processes, e.g. `--node-flags=--max-semi-space-size=16` (as the Dockerfile runs the hub). */
    'node-flags': { type: 'string', default: '' },
    json: { type: 'string' },
    /** Another checkout (a `git worktree` of an earlier commit): its hub runs as `base` beside this one, at the same sizes and events. */
    baseline: { type: 'string' },
  },
});
const rounds = Number(args.rounds);
const sizes = args.subscribers.split(',').map(Number);
const hubEvents = args['hub-events'].split(',').map(Number);
const apolloEvents = args['apollo-events'].split(',').map(Number);
const window = Number(args.window);
const concurrency = Number(args.concurrency);
const kinds = args.servers.split(',').filter(Boolean) as ServerKind[];
const viaIpc = args.publish === 'ipc';
const profiled = new Set(args.profile.split(',').filter(Boolean));
for (const kind of kinds) if (kind !== 'hub' && kind !== 'apollo') throw new Error(`unknown server ${kind}`);
if (args.baseline) kinds.push('base');
if (args.publish !== 'http' && args.publish !== 'ipc') throw new Error('--publish is http or ipc');
if (hubEvents.length !== sizes.length || apolloEvents.length !== sizes.length)
  throw new Error('give --hub-events and --apollo-events per size');

const BASELINE = args.baseline ? resolve(args.baseline) : undefined;
const ENTRIES: Record<ServerKind, string> = {
  hub: fileURLToPath(new URL('../live-support/hub-server.ts', import.meta.url)),
  apollo: fileURLToPath(new URL('./apollo-server.ts', import.meta.url)),
  base: join(BASELINE ?? '.', 'bench/live-support/hub-server.ts'),
};
const LOAD_GENERATOR = fileURLToPath(new URL('../live-support/load-generator.ts', import.meta.url));

type Server = Child<{ url: string }>;
const stats = (server: Server) => server.call<ProcessStats>('stats');

/** One server at one size, with its subscribers on a load generator. */
interface Target {
  kind: ServerKind;
  keyed: number;
  wildcards: number;
  events: number;
  server: Server;
  generator: Child;
  group: string;
  /** The next key to publish to: keys go round, so each keyed subscriber gets its turn. */
  cursor: number;
  label: string;
}

async function spawnServer(kind: ServerKind, keyed: number): Promise<Server> {
  const dir = `${PROFILE_DIR}s4-${kind}-${keyed}-${Date.now().toString(36)}`;
  const profile = profiled.has(kind) ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
  if (profile.length > 0) {
    mkdirSync(dir, { recursive: true });
    process.stdout.write(`profiling ${kind} at ${keyed} into ${dir}\n`);
  }
  return spawnChild(`${kind}@${keyed}`, ENTRIES[kind], [], {
    execArgv: ['--expose-gc', ...args['node-flags'].split(' ').filter(Boolean), ...profile],
    ...(kind === 'base' && BASELINE && { cwd: BASELINE }),
  });
}

async function publishOne(target: Target, type: string, body: string): Promise<number> {
  if (viaIpc) {
    const [position] = await target.server.call<number[]>('ingest', { inputs: [{ ...EVENT_INPUT, type }] });
    if (position === undefined || position < 0) throw new Error(`${target.label}: ingest did not accept the event`);
    return position;
  }
  return acceptedPosition(await postJson(target.server.ready.url, body, PUBLISH_HEADERS));
}

/**
 * Publishes `events` events (matched: to keyed subscribers; otherwise of a
 * type nobody follows), waits for every frame, then checks every connection:
 * keyed subscribers got exactly their own events, wildcard ones every event.
 */
async function timedRun(
  target: Target,
  events: number,
  matched: boolean,
): Promise<{ cpuMicros: number; seconds: number; frames: number }> {
  const { keys, bodies } = eventBodies(target.keyed, target.cursor, events, matched);
  target.cursor = (target.cursor + events) % target.keyed;
  const framesPerEvent = matched ? 1 + target.wildcards : 0;
  const delivery = new Delivery([
    { generator: target.generator, group: target.group, target: events * framesPerEvent },
  ]);
  await delivery.start();
  const before = await stats(target.server);
  const typeOf = (i: number) => (matched ? keyedType(keys[i]!) : unmatchedType(keys[i]!));
  const { startedAt, positions } = await drive({
    events,
    framesPerEvent: Math.max(1, framesPerEvent),
    window: matched ? window : Number.POSITIVE_INFINITY,
    concurrency,
    delivery,
    publish: (i) => publishOne(target, typeOf(i), bodies[i]!),
  });
  const doneAt = matched ? await delivery.finished() : performance.timeOrigin + performance.now();
  const after = await stats(target.server);

  const expect: Expectation = matched ? expectations(target.keyed, keys, positions) : { count: 0 };
  const result = await target.generator.call<CheckResult>('check', { group: target.group, expect });
  if (result.problemCount > 0)
    throw new Error(`${target.label}: ${result.problemCount} delivery problems:\n${result.problems.join('\n')}`);
  return {
    cpuMicros: cpuMicros(before.cpu, after.cpu),
    seconds: (doneAt - startedAt) / 1000,
    frames: events * framesPerEvent,
  };
}

const generators = new Map<ServerKind, Child>();
const targets: Target[] = [];
const memory: MemorySample[] = [];
try {
  for (const kind of kinds) generators.set(kind, await spawnChild(`load generator (${kind})`, LOAD_GENERATOR, []));
  const spawned = await Promise.all(
    kinds.flatMap((kind) =>
      sizes.map(async (keyed, i) => ({ kind, keyed, i, server: await spawnServer(kind, keyed) })),
    ),
  );
  for (const { kind, keyed, i, server } of spawned) {
    const events = (kind === 'apollo' ? apolloEvents : hubEvents)[i]!;
    targets.push({
      kind,
      keyed,
      wildcards: wildcardsFor(keyed),
      events,
      server,
      generator: generators.get(kind)!,
      group: `${kind}-${keyed}`,
      cursor: 0,
      label: `${kind}@${keyed}`,
    });
  }
  process.stdout.write(
    `S4 keyed subscribers: ${rounds} rounds; ${sizes.map((k) => `${k} keyed + ${wildcardsFor(k)} wildcard`).join(', ')}; ` +
      `publishing over ${viaIpc ? 'IPC' : 'HTTP'}, window ${window} events, ${concurrency} in flight\n`,
  );
  for (const target of targets) {
    const started = performance.now();
    const specs = connectionSpecs(target.keyed);
    const idle = await settledStats((cmd) => target.server.call(cmd));
    await target.generator.call('open', {
      group: target.group,
      url: target.server.ready.url.replace(/^http/, 'ws'),
      mode: 'graphql-ws',
      authorization: AUTHORIZATION,
      query: SUBSCRIPTION_QUERY,
      specs,
    });
    await until(`${target.label} subscriptions`, async () => (await stats(target.server)).subscriptions, specs.length);
    const loaded = await settledStats((cmd) => target.server.call(cmd));
    memory.push({
      kind: target.kind,
      keyed: target.keyed,
      connections: specs.length,
      idleRss: idle.rss,
      idleHeap: idle.heapUsed,
      rssPerConnection: (loaded.rss - idle.rss) / specs.length,
      heapPerConnection: (loaded.heapUsed - idle.heapUsed) / specs.length,
    });
    // Warm-up: every code path compiled before anything is timed.
    await timedRun(target, Math.max(5, Math.round(target.events / 3)), true);
    if (target.kind === 'hub' && !args['no-baseline'])
      await timedRun(target, Math.max(5, Math.round(target.events / 3)), false);
    process.stdout.write(
      `${target.label}: ${specs.length} subscribers connected and warmed up in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
    );
  }

  const samples: Sample[] = [];
  for (let round = 1; round <= rounds; round++) {
    const order = round % 2 === 1 ? targets : [...targets].reverse();
    const line: string[] = [];
    for (const target of order) {
      for (const matched of target.kind === 'hub' && !args['no-baseline'] ? [true, false] : [true]) {
        const run = await timedRun(target, target.events, matched);
        samples.push({ round, kind: target.kind, keyed: target.keyed, matched, events: target.events, ...run });
        const perEvent = run.cpuMicros / target.events / 1000;
        line.push(`${target.label}${matched ? '' : ' no-match'} ${perEvent.toFixed(perEvent < 10 ? 3 : 1)} ms/event`);
      }
    }
    process.stdout.write(`round ${round}: ${line.join(', ')}\n`);
  }
  const summary = report(samples);
  const memorySummary = memoryReport(memory);
  process.stdout.write(`\n${summary.text}\n\n${memorySummary.text}\n`);
  if (args.json)
    writeFileSync(
      args.json,
      JSON.stringify(
        {
          rounds,
          sizes,
          hubEvents,
          apolloEvents,
          publish: args.publish,
          samples,
          memory,
          ...summary.data,
          ...memorySummary.data,
        },
        null,
        2,
      ),
    );
} finally {
  await Promise.all(targets.map((t) => t.server.stop()));
  await Promise.all([...generators.values()].map((g) => g.stop()));
}
