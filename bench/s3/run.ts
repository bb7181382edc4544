import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { Delivery, acceptedPosition, drive, postJson, until } from '../live-support/drive.ts';
import { spawnChild, type Child } from '../live-support/ipc.ts';
import type { CheckResult, ConnectionSpec } from '../live-support/load-generator.ts';
import { cpuMicros, type ProcessStats } from '../live-support/process-stats.ts';
import { AUTHORIZATION, PUBLISH_HEADERS, SUBSCRIPTION_QUERY, publishBody } from '../live-support/workload.ts';
import { report, type Sample, type ServerKind } from './report.ts';
import { FRAME_PREFIX, STREAM_VARIABLES, nextFrame } from './workload.ts';
import { PROFILE_DIR } from '../support/profiles.ts';

/**
 * S3: fan-out of one stream to many subscribers. The hub (graphql-ws, every
 * subscriber's filter matching every event) against a raw `ws` server that
 * broadcasts the same bytes. Every round starts a fresh hub and a fresh raw
 * server, each in its own child process; the subscribers are frame-counting
 * connections in load generator processes. Per round: RSS per connection of
 * each server at each subscriber count (before any load), then delivered
 * frames/s at each count, largest first, the two servers taking turns (who
 * goes first swaps every round). See BENCHMARKS.md.
 */
const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    subscribers: { type: 'string', default: '1000,5000' },
    /** Frames per timed run: each run publishes frames ÷ subscribers events (at least 10). */
    frames: { type: 'string', default: '30000' },
    /** Events published ahead of delivery (the hub ends a subscriber 1,000 events behind). */
    window: { type: 'string', default: '16' },
    /** Publishes in flight at once. */
    concurrency: { type: 'string', default: '4' },
    /** Load generator processes the subscribers are spread over. */
    loadgens: { type: 'string', default: '1' },
    servers: { type: 'string', default: 'hub,raw' },
    /** Server kinds to run under `node --cpu-prof` (profiles in bench/profiles/). */
    profile: { type: 'string', default: '' },
    /** Extra Node flags for the server processes, e.g. "--trace-gc" or "--max-semi-space-size=64". */
    'node-flags': { type: 'string', default: '' },
    json: { type: 'string' },
  },
});
const rounds = Number(args.rounds);
const counts = args.subscribers
  .split(',')
  .map(Number)
  .sort((a, b) => a - b);
const frames = Number(args.frames);
const window = Number(args.window);
const concurrency = Number(args.concurrency);
const kinds = args.servers.split(',').filter(Boolean) as ServerKind[];
const profiled = new Set(args.profile.split(',').filter(Boolean));
const nodeFlags = args['node-flags'].split(' ').filter(Boolean);
for (const kind of kinds) if (kind !== 'hub' && kind !== 'raw') throw new Error(`unknown server ${kind}`);
if (window >= 1000) throw new Error('--window must stay below the hub’s 1,000-event subscription buffer');

const ENTRIES: Record<ServerKind, string> = {
  hub: fileURLToPath(new URL('../live-support/hub-server.ts', import.meta.url)),
  raw: fileURLToPath(new URL('./raw-server.ts', import.meta.url)),
};
const LOAD_GENERATOR = fileURLToPath(new URL('../live-support/load-generator.ts', import.meta.url));
const WARM_CONNECTIONS = 20;
const WARM_EVENTS = 100;
const BODY = publishBody();

type Server = Child<{ url: string }>;
const stats = (server: Server) => server.call<ProcessStats>('stats');

async function spawnServer(kind: ServerKind, round: number): Promise<Server> {
  // A directory per process: its main thread and tsx's loader thread each write a profile (the main one is the larger).
  const dir = `${PROFILE_DIR}s3-${kind}-round${round}-${Date.now().toString(36)}`;
  const profile = profiled.has(kind) ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
  if (profile.length > 0) {
    mkdirSync(dir, { recursive: true });
    process.stdout.write(`profiling ${kind} into ${dir}\n`);
  }
  return spawnChild(kind, ENTRIES[kind], [], { execArgv: ['--expose-gc', ...nodeFlags, ...profile] });
}

/** Full collections until RSS stops falling, then the reading. */
async function settled(server: Server): Promise<ProcessStats> {
  let last = await stats(server);
  for (let i = 0; i < 5; i++) {
    await server.call('gc');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const now = await stats(server);
    if (now.rss >= last.rss - 64 * 1024) return now;
    last = now;
  }
  return last;
}

/** A set of connections on the load generators: one group per generator. */
interface Batch {
  groups: { generator: Child; group: string; count: number }[];
}

let batchId = 0;
async function connect(generators: Child[], server: Server, kind: ServerKind, count: number): Promise<Batch> {
  const id = ++batchId;
  const share = (g: number) => Math.floor(count / generators.length) + (g < count % generators.length ? 1 : 0);
  const groups = generators
    .map((generator, g) => ({ generator, group: `${kind}-${id}-${g}`, count: share(g) }))
    .filter((g) => g.count > 0);
  const spec: ConnectionSpec = { prefix: FRAME_PREFIX, ...(kind === 'hub' && { variables: STREAM_VARIABLES }) };
  await Promise.all(
    groups.map(({ generator, group, count: n }) =>
      generator.call('open', {
        group,
        url: server.ready.url.replace(/^http/, 'ws'),
        mode: kind === 'hub' ? 'graphql-ws' : 'raw',
        authorization: AUTHORIZATION,
        query: SUBSCRIPTION_QUERY,
        specs: Array.from({ length: n }, () => spec),
      }),
    ),
  );
  return { groups };
}

async function disconnect(batch: Batch): Promise<void> {
  await Promise.all(batch.groups.map(({ generator, group }) => generator.call('close', { group })));
}

interface Timed {
  seconds: number;
  /** Server CPU (all its threads) from the first publish to the last frame, in µs. */
  serverMicros: number;
  /** Shares of the timed run's wall time: the server on a CPU, the server runnable but waiting for one, the load generators on a CPU. */
  serverCpu: number;
  serverWait: number;
  loadCpu: number;
}

/**
 * Publishes `events` events to the connections of `batches` and waits for every frame;
 * each connection must have received each event exactly once, in order.
 */
async function publishAndCount(server: Server, batches: Batch[], events: number): Promise<Timed> {
  const groups = batches.flatMap((b) => b.groups);
  const subscribers = groups.reduce((sum, g) => sum + g.count, 0);
  const delivery = new Delivery(
    groups.map((g) => ({ generator: g.generator, group: g.group, target: g.count * events })),
  );
  await delivery.start();
  const generators = [...new Set(groups.map((g) => g.generator))];
  const loadCpu = () => Promise.all(generators.map((g) => g.call<NodeJS.CpuUsage>('cpu')));
  const [server0, load0] = await Promise.all([stats(server), loadCpu()]);
  const { startedAt, positions } = await drive({
    events,
    framesPerEvent: subscribers,
    window,
    concurrency,
    delivery,
    publish: async () => acceptedPosition(await postJson(server.ready.url, BODY, PUBLISH_HEADERS)),
  });
  const doneAt = await delivery.finished();
  const [server1, load1] = await Promise.all([stats(server), loadCpu()]);
  const seconds = (doneAt - startedAt) / 1000;

  const first = Math.min(...positions);
  const last = Math.max(...positions);
  if (last - first + 1 !== events) throw new Error(`${server.name}: positions ${first}–${last} for ${events} events`);
  for (const { generator, group } of groups) {
    const result = await generator.call<CheckResult>('check', { group, expect: { count: events, first, last } });
    if (result.problemCount > 0)
      throw new Error(`${server.name}: ${result.problemCount} delivery problems:\n${result.problems.join('\n')}`);
  }
  // CPU and wait from the first publish to the last stats call: a little past the last frame, so a share, not exact.
  const wallMicros = (performance.timeOrigin + performance.now() - startedAt) * 1000;
  const loadMicros = load1.reduce((sum, cpu, i) => sum + cpuMicros(load0[i]!, cpu), 0);
  return {
    seconds,
    serverMicros: cpuMicros(server0.cpu, server1.cpu),
    serverCpu: cpuMicros(server0.cpu, server1.cpu) / wallMicros,
    serverWait: (server1.sched.waitNs - server0.sched.waitNs) / 1000 / wallMicros,
    loadCpu: loadMicros / wallMicros,
  };
}

/** The hub's frame for one event must be exactly what the raw server sends for it. */
async function checkFrame(server: Server): Promise<void> {
  const socket = new WebSocket(server.ready.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
  const frame = new Promise<string>((resolve, reject) => {
    socket.on('error', reject);
    socket.on('message', (data: Buffer) => {
      const text = data.toString('utf8');
      if (text.startsWith('{"type":"connection_ack"')) {
        socket.send(
          JSON.stringify({
            id: '1',
            type: 'subscribe',
            payload: { query: SUBSCRIPTION_QUERY, variables: STREAM_VARIABLES },
          }),
        );
        until('subscriptions', async () => (await stats(server)).subscriptions, 1)
          .then(() => postJson(server.ready.url, BODY, PUBLISH_HEADERS))
          .catch(reject);
      } else resolve(text);
    });
  });
  socket.on('open', () =>
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: AUTHORIZATION } })),
  );
  const text = await frame;
  socket.close();
  const { events } = (
    JSON.parse(text) as { payload: { data: { events: { position: string; id: string; timestamp: string } } } }
  ).payload.data;
  const expected = nextFrame(Number(events.position), events.id, events.timestamp);
  if (text !== expected)
    throw new Error(`the hub's frame differs from the raw server's:\nhub: ${text}\nraw: ${expected}`);
  await until('subscriptions', async () => (await stats(server)).subscriptions, 0);
}

let frameChecked = false;

/**
 * One round: a fresh hub and a fresh raw server side by side. Each is warmed
 * up, then its RSS is read with no subscriber, and again after each step up
 * to the next subscriber count. Then, largest count first, the two take
 * turns at timed runs (first and second swap every round), so that drift on
 * the shared machine reaches both alike.
 */
async function round(round: number, generators: Child[]): Promise<Sample[]> {
  const order = round % 2 === 1 ? kinds : [...kinds].reverse();
  const servers = new Map<ServerKind, Server>();
  const batches = new Map<ServerKind, { count: number; batch: Batch; rss: number; heap: number }[]>(
    order.map((kind) => [kind, []]),
  );
  try {
    for (const [kind, server] of await Promise.all(
      order.map(async (kind) => [kind, await spawnServer(kind, round)] as const),
    ))
      servers.set(kind, server);
    const subscriptions = (kind: ServerKind) => async () => (await stats(servers.get(kind)!)).subscriptions;
    const base = new Map<ServerKind, ProcessStats>();
    for (const kind of order) {
      const server = servers.get(kind)!;
      if (kind === 'hub' && !frameChecked) {
        await checkFrame(server);
        frameChecked = true;
      }
      // Warm-up: code paths compiled and buffers allocated before the baseline is read.
      const warm = await connect(generators, server, kind, WARM_CONNECTIONS);
      await until(`${kind} subscriptions`, subscriptions(kind), WARM_CONNECTIONS);
      await publishAndCount(server, [warm], WARM_EVENTS);
      await disconnect(warm);
      await until(`${kind} subscriptions after the warm-up`, subscriptions(kind), 0);
      base.set(kind, await settled(server));
    }
    let connected = 0;
    for (const count of counts) {
      for (const kind of order) {
        const server = servers.get(kind)!;
        const batch = await connect(generators, server, kind, count - connected);
        await until(`${kind} subscriptions`, subscriptions(kind), count);
        const after = await settled(server);
        const before = base.get(kind)!;
        batches.get(kind)!.push({
          count,
          batch,
          rss: (after.rss - before.rss) / count / 1000,
          heap: (after.heapUsed - before.heapUsed) / count / 1000,
        });
      }
      connected = count;
    }

    const samples: Sample[] = [];
    for (let i = counts.length - 1; i >= 0; i--) {
      const count = counts[i]!;
      const events = Math.max(10, Math.round(frames / count));
      for (const kind of order) {
        const server = servers.get(kind)!;
        const steps = batches.get(kind)!;
        const live = steps.slice(0, i + 1).map((b) => b.batch);
        await publishAndCount(server, live, Math.max(2, Math.round(events / 5))); // warm at this size
        const timed = await publishAndCount(server, live, events);
        samples.push({
          round,
          kind,
          subscribers: count,
          framesPerSecond: (events * count) / timed.seconds,
          cpuMicrosPerFrame: timed.serverMicros / (events * count),
          rssPerConnectionKB: steps[i]!.rss,
          heapPerConnectionKB: steps[i]!.heap,
          serverCpu: timed.serverCpu,
          serverWait: timed.serverWait,
          loadCpu: timed.loadCpu,
        });
      }
      if (i > 0) {
        for (const kind of order) {
          await disconnect(batches.get(kind)![i]!.batch);
          await until(`${kind} subscriptions`, subscriptions(kind), counts[i - 1]!);
        }
      }
    }
    return samples;
  } finally {
    // The servers close first: their side, not the generators', keeps the TIME_WAIT sockets.
    await Promise.all([...servers.values()].map((server) => server.stop()));
    await Promise.all([...batches.values()].flat().map((b) => disconnect(b.batch)));
  }
}

const pct = (share: number) => `${(share * 100).toFixed(0)}%`;
const generators: Child[] = [];
try {
  for (let g = 0; g < Number(args.loadgens); g++)
    generators.push(await spawnChild(`load generator ${g + 1}`, LOAD_GENERATOR, []));
  process.stdout.write(
    `S3 fan-out: ${rounds} rounds, ${counts.join(' and ')} subscribers, ~${frames} frames per timed run, window ${window} events, ${concurrency} publishes in flight, ${generators.length} load generator(s)\n`,
  );
  const samples: Sample[] = [];
  for (let r = 1; r <= rounds; r++) {
    const taken = await round(r, generators);
    samples.push(...taken);
    const line = taken
      .sort((a, b) => a.subscribers - b.subscribers || a.kind.localeCompare(b.kind))
      .map(
        (s) =>
          `${s.kind}@${s.subscribers} ${Math.round(s.framesPerSecond)} frames/s ${s.cpuMicrosPerFrame.toFixed(1)} µs/frame ${s.rssPerConnectionKB.toFixed(1)} KB/conn ` +
          `(cpu ${pct(s.serverCpu)}, waiting ${pct(s.serverWait)}, load ${pct(s.loadCpu)})`,
      );
    process.stdout.write(`round ${r}: ${line.join('; ')}\n`);
  }
  const summary = report(samples);
  process.stdout.write(`\n${summary.text}\n`);
  if (args.json)
    writeFileSync(
      args.json,
      JSON.stringify({ rounds, counts, frames, window, concurrency, samples, ...summary.data }, null, 2),
    );
} finally {
  await Promise.all(generators.map((g) => g.stop()));
}
