import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { postJson, until } from '../live-support/drive.ts';
import { spawnChild, type Child } from '../live-support/ipc.ts';
import type { CheckResult } from '../live-support/load-generator.ts';
import { cpuMicros, type ProcessStats } from '../live-support/process-stats.ts';
import { AUTHORIZATION, PUBLISH_HEADERS, SUBSCRIPTION_QUERY } from '../live-support/workload.ts';
import { eventBodies } from '../s4/workload.ts';
import { soakExpectations, soakSpecs } from './workload.ts';
import { PROFILE_DIR } from '../support/profiles.ts';

/**
 * Soak: the embedded hub under a steady publish load for a long time, with
 * 1,000 websocket subscribers: each keyed one follows its own type (S4's
 * shape), a few wildcard ones follow every event; every event goes to one
 * keyed subscriber and every wildcard one. The question is whether anything grows or breaks
 * over time: the hub's RSS and heap after a forced GC at the start and at the
 * end of the measured part, compared with each other (a ratio within one run),
 * publish errors, and every subscriber's frames checked at the end (count,
 * order, first and last position). See BENCHMARKS.md.
 */
const { values: args } = parseArgs({
  options: {
    /** Publishes per second; the default is half S1's median hub rate (3,400/s, BENCHMARKS.md). */
    rate: { type: 'string', default: '1700' },
    /** Measured minutes, after the warm-up. */
    minutes: { type: 'string', default: '10' },
    /** Warm-up seconds: long enough for the memory store to reach its 100,000-event cap. */
    warmup: { type: 'string', default: '90' },
    subscribers: { type: 'string', default: '1000' },
    /** Of the subscribers, how many follow every event. */
    wildcards: { type: 'string', default: '2' },
    /** Seconds between samples. */
    every: { type: 'string', default: '30' },
    concurrency: { type: 'string', default: '32' },
    /** Runs the hub under `node --cpu-prof`, profile in bench/profiles/. */
    profile: { type: 'boolean', default: false },
    json: { type: 'string' },
  },
});
const rate = Number(args.rate);
const measuredMs = Number(args.minutes) * 60_000;
const warmupMs = Number(args.warmup) * 1000;
const everyMs = Number(args.every) * 1000;
const total = Number(args.subscribers);
const wildcards = Number(args.wildcards);
const keyed = total - wildcards;

const HUB = fileURLToPath(new URL('../live-support/hub-server.ts', import.meta.url));
const LOAD_GENERATOR = fileURLToPath(new URL('../live-support/load-generator.ts', import.meta.url));
const GROUP = 'soak';

interface Sample {
  atSeconds: number;
  published: number;
  errors: number;
  rssMB: number;
  heapMB: number;
  hubCpuPercent: number;
  loadAverage: number;
}

const mb = (bytes: number) => Math.round((bytes / 1_048_576) * 10) / 10;

async function settled(hub: Child<{ url: string }>): Promise<ProcessStats> {
  await hub.call('gc');
  return hub.call<ProcessStats>('stats');
}

const profile = args.profile ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : [];
const hub = await spawnChild<{ url: string }>('hub', HUB, [], { execArgv: ['--expose-gc', ...profile] });
const generator = await spawnChild('load generator', LOAD_GENERATOR, []);
try {
  const specs = soakSpecs(keyed, wildcards);
  await generator.call('open', {
    group: GROUP,
    url: hub.ready.url.replace(/^http/, 'ws'),
    mode: 'graphql-ws',
    authorization: AUTHORIZATION,
    query: SUBSCRIPTION_QUERY,
    specs,
  });
  await until('subscriptions', async () => (await hub.call<ProcessStats>('stats')).subscriptions, specs.length);
  process.stdout.write(
    `soak: ${keyed} keyed + ${wildcards} wildcard subscribers; ${rate} publishes/s; ${warmupMs / 1000} s warm-up, then ${measuredMs / 60_000} min\n`,
  );

  // Publishing: event i goes out at i / rate seconds, at most `concurrency` in flight.
  const stored: { key: number; position: number }[] = [];
  const { bodies } = eventBodies(keyed, 0, keyed, true); // body i publishes to keyed subscriber i
  let errors = 0;
  let firstError: string | null = null;
  let published = 0;
  let behind = 0;
  const startedAt = performance.now();
  const endAt = startedAt + warmupMs + measuredMs;
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      const due = startedAt + (i * 1000) / rate;
      if (due >= endAt) return;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      else if (wait < -1000) behind++;
      const key = i % keyed;
      const body = bodies[key]!;
      try {
        const answer = await postJson<{ data?: { publishEvent?: { status: string; event?: { position: string } } } }>(
          hub.ready.url,
          body!,
          PUBLISH_HEADERS,
        );
        const result = answer.data?.publishEvent;
        if (result?.status !== 'ACCEPTED') throw new Error(JSON.stringify(answer).slice(0, 300));
        stored.push({ key, position: Number(result.event!.position) });
        published++;
      } catch (error) {
        errors++;
        firstError ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  const load = Promise.all(Array.from({ length: Number(args.concurrency) }, worker));

  await new Promise((resolve) => setTimeout(resolve, warmupMs));
  const start = await settled(hub);
  const samples: Sample[] = [];
  let previous = { at: performance.now(), cpu: start.cpu };
  const sampler = setInterval(async () => {
    const stats = await hub.call<ProcessStats>('stats');
    const at = performance.now();
    samples.push({
      atSeconds: Math.round((at - startedAt - warmupMs) / 1000),
      published,
      errors,
      rssMB: mb(stats.rss),
      heapMB: mb(stats.heapUsed),
      hubCpuPercent: Math.round(cpuMicros(previous.cpu, stats.cpu) / ((at - previous.at) * 10)),
      loadAverage: Math.round(loadavg()[0]! * 10) / 10,
    });
    previous = { at, cpu: stats.cpu };
    const last = samples.at(-1)!;
    process.stdout.write(
      `  ${last.atSeconds} s: ${last.published} published, ${last.errors} errors, RSS ${last.rssMB} MB, heap ${last.heapMB} MB, hub CPU ${last.hubCpuPercent} %, load ${last.loadAverage}\n`,
    );
  }, everyMs);
  await load;
  clearInterval(sampler);
  const end = await settled(hub);

  // Every frame in: then each subscriber must hold exactly its events, in order.
  const expected = soakExpectations(keyed, wildcards, stored);
  const frames = expected.count.reduce((sum, n) => sum + n, 0);
  await until(
    'frames delivered',
    async () => (await generator.call<CheckResult>('check', { group: GROUP, expect: { count: 0 } })).total,
    frames,
    60_000,
  ).catch((error: unknown) => {
    process.stdout.write(`${error instanceof Error ? error.message : String(error)}\n`);
  });
  const check = await generator.call<CheckResult>('check', { group: GROUP, expect: expected });
  const alive = await generator.call<number>('alive', { group: GROUP });

  const seconds = (performance.now() - startedAt) / 1000;
  const summary = {
    rate,
    achievedRate: Math.round(published / seconds),
    published,
    errors,
    firstError,
    lateStarts: behind,
    frames,
    deliveryProblems: check.problemCount,
    problems: check.problems,
    subscribersAlive: alive,
    rssMB: {
      start: mb(start.rss),
      end: mb(end.rss),
      growth: Math.round(((end.rss - start.rss) / start.rss) * 1000) / 10,
    },
    heapMB: {
      start: mb(start.heapUsed),
      end: mb(end.heapUsed),
      growth: Math.round(((end.heapUsed - start.heapUsed) / start.heapUsed) * 1000) / 10,
    },
  };
  process.stdout.write(`\n${JSON.stringify(summary, null, 2)}\n`);
  const ok = errors === 0 && check.problemCount === 0 && alive === specs.length && summary.rssMB.growth < 10;
  process.stdout.write(ok ? 'soak passed: no errors, every frame delivered, RSS growth under 10 %\n' : 'soak FAILED\n');
  if (args.json) writeFileSync(args.json, JSON.stringify({ summary, samples }, null, 2));
  process.exitCode = ok ? 0 : 1;
} finally {
  await generator.stop();
  await hub.stop();
}
