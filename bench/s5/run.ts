import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { MongoClient } from 'mongodb';
import { requireUrls } from '../cluster-support/servers.ts';
import { quantile } from '../support/stats.ts';
import { spawnPublisher, spawnSubscriber } from './ends.ts';
import { createMeasure } from './measure.ts';
import { latencyReport, throughputReport, type LatencySample, type ThroughputSample } from './report.ts';
import { DEFAULT_SIDES, openPath, SIDES, type Path, type PathContext, type Side } from './sides.ts';

/**
 * S5: an event published on hub A reaches a graphql-ws subscriber on hub B
 * (two hub processes on one MongoDB database and one Redis), against raw
 * Redis PUBLISH → SUBSCRIBE of a message of the same size between two plain
 * processes, and the hub on its memory store + Redis bus (one process) to
 * isolate the fan-out path. Phase 1, throughput: rounds rotate the paths,
 * each a fixed time at a fixed number of publishes in flight. Phase 2,
 * latency: rounds of every path at half the hub's median maximum from phase
 * 1, open loop. Every run gets a freshly opened path (new hub processes, a
 * fresh database for the pair) and a warm-up. Publishers and subscribers are
 * processes of their own; latency is measured on one clock (CLOCK_MONOTONIC,
 * shared by every process of the machine). See BENCHMARKS.md.
 */
const { MONGODB_URL: mongoUrl, REDIS_URL: redisUrl } = requireUrls('S5', 'bench:s5', ['MONGODB_URL', 'REDIS_URL']);
const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '4' },
    /** Seconds of publishing per path per throughput round. */
    seconds: { type: 'string', default: '3' },
    /** Publishes in flight in the throughput phase (HTTP requests or PUBLISH commands). */
    concurrency: { type: 'string', default: '32' },
    /** Seconds of unmeasured publishing on every freshly opened path. */
    warmup: { type: 'string', default: '1' },
    /** Rounds of the latency phase (0 skips it), each path for `latency-seconds` at a fixed rate. */
    'latency-rounds': { type: 'string', default: '2' },
    'latency-seconds': { type: 'string', default: '8' },
    /** Events/s of the latency phase; default half the hub's median throughput of the first phase. */
    rate: { type: 'string' },
    /** Paths to run: hub, raw, mem, and the diagnostic ingest (hub A alone, acknowledgements only). */
    sides: { type: 'string', default: DEFAULT_SIDES.join(',') },
    /** Extra hub configuration for experiments, `KEY=VALUE,KEY=VALUE` (e.g. MONGODB_LIVE_BYTES=0). */
    'hub-env': { type: 'string', default: '' },
    /** Processes to run under node --cpu-prof (bench/profiles/): a, b, mem (hub processes), publisher, subscriber. */
    profile: { type: 'string', default: '' },
    json: { type: 'string' },
  },
});
const rounds = Number(args.rounds);
const latencyRounds = Number(args['latency-rounds']);
const concurrency = Number(args.concurrency);
const sides = args.sides.split(',').filter(Boolean) as Side[];
for (const side of sides) if (!SIDES.includes(side)) throw new Error(`unknown path ${side}; use ${SIDES.join(', ')}`);
const profile = new Set(args.profile.split(',').filter(Boolean));
const hubEnv = Object.fromEntries(
  args['hub-env']
    .split(',')
    .filter(Boolean)
    .map((pair) => {
      const at = pair.indexOf('=');
      if (at < 1) throw new Error(`--hub-env wants KEY=VALUE, got ${pair}`);
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
);
const say = (line: string) => process.stdout.write(`${line}\n`);

const mongo = new MongoClient(mongoUrl);
const { measure, messageSizes } = createMeasure(mongo, redisUrl);
const [graphqlPublisher, graphqlSubscriber, redisPublisher, redisSubscriber] = await Promise.all([
  spawnPublisher(profile.has('publisher')),
  spawnSubscriber(profile.has('subscriber')),
  spawnPublisher(profile.has('publisher')),
  spawnSubscriber(profile.has('subscriber')),
]);
const ctx: PathContext = {
  mongoUrl,
  redisUrl,
  mongo,
  graphql: { publisher: graphqlPublisher, subscriber: graphqlSubscriber },
  redis: { publisher: redisPublisher, subscriber: redisSubscriber },
  hubEnv,
  profile,
};
const rotated = (round: number) => sides.map((_, i) => sides[(i + round - 1) % sides.length]!);
/** Unmeasured publishing at full speed on a freshly opened path (new processes start cold). */
const warm = async (path: Path) =>
  void (await measure(path, { mode: 'max', seconds: Number(args.warmup), concurrency }));

/** Opens a fresh path, warms it up, measures one run, closes it. */
async function onFreshPath<T>(side: Side, round: number, run: (path: Path) => Promise<T>): Promise<T> {
  const path = await openPath(side, ctx, round);
  try {
    await warm(path);
    return await run(path);
  } finally {
    await path.close();
  }
}

try {
  const throughput: ThroughputSample[] = [];
  let sizes: { hub: number; raw: number } | undefined;
  say(
    `S5 hub A → hub B: ${rounds} rounds × ${args.seconds} s per path at ${concurrency} publishes in flight (warm-up ${args.warmup} s); ` +
      `paths ${sides.join(', ')}${args['hub-env'] ? `; hub env ${args['hub-env']}` : ''}`,
  );
  for (let round = 1; round <= rounds; round++) {
    const line: string[] = [];
    for (const side of rotated(round)) {
      const max = await onFreshPath(side, round, async (path) => {
        if (side === 'hub' && !sizes) sizes = await messageSizes(path);
        return measure(path, { mode: 'max', seconds: Number(args.seconds), concurrency });
      });
      throughput.push({
        round,
        side,
        perSecond: max.perSecond,
        events: max.recv.received,
        cpuPerEvent: max.cpu,
        ...(max.commands && { commandsPerEvent: max.commands }),
      });
      line.push(`${side} ${max.perSecond.toFixed(0)}`);
    }
    say(`round ${round}: ${line.join(', ')} events/s`);
  }
  if (sizes) say(`Redis message: hub ${sizes.hub} bytes, raw ${sizes.raw} bytes`);
  const tput = throughputReport(throughput);
  say(`\n${tput.text}\n`);

  const hubMax = tput.data.medians.hub;
  const rate = args.rate ? Number(args.rate) : hubMax !== undefined ? Math.max(1, Math.round(hubMax / 2)) : Number.NaN;
  const latency: LatencySample[] = [];
  if (latencyRounds > 0 && Number.isFinite(rate)) {
    say(
      `latency: ${latencyRounds} rounds × ${args['latency-seconds']} s per path at ${rate} events/s (${args.rate ? '--rate' : "half the hub's median maximum"}), open loop`,
    );
    for (let round = 1; round <= latencyRounds; round++) {
      const line: string[] = [];
      for (const side of rotated(round)) {
        const { pub, recv } = await onFreshPath(side, rounds + round, (path) =>
          measure(path, { mode: 'rate', seconds: Number(args['latency-seconds']), perSecond: rate }),
        );
        const latencyMs = recv.latencyUs.map((us) => us / 1000);
        latency.push({
          round,
          side,
          perSecond: rate,
          latencyMs,
          ackMs: pub.ackUs.map((us) => us / 1000),
          hopMs: pub.ackAtUs.flatMap((ackAt, seq) => {
            const arrivedAt = recv.arrivedAtUs[seq];
            return ackAt === undefined || arrivedAt === undefined ? [] : [(arrivedAt - ackAt) / 1000];
          }),
          inOrderHopMs: inOrderHops(pub.ackAtUs, recv.arrivedAtUs),
          late: pub.late,
        });
        const hop = latency.at(-1)!.hopMs;
        line.push(
          `${side} p50 ${quantile(latencyMs, 0.5).toFixed(2)} p99 ${quantile(latencyMs, 0.99).toFixed(2)} ack→delivery p99 ${quantile(hop, 0.99).toFixed(2)} (in order ${quantile(latency.at(-1)!.inOrderHopMs, 0.99).toFixed(2)})`,
        );
      }
      say(
        `round ${round}: ${line.join(', ')} ms (load average ${loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')})`,
      );
    }
  }
  const lat = latency.length ? latencyReport(latency) : undefined;
  if (lat) say(`\n${lat.text}`);
  if (args.json) {
    const data = {
      rounds,
      seconds: Number(args.seconds),
      concurrency,
      sizes,
      rate,
      throughput,
      ...tput.data,
      latency: lat?.data,
      latencySamples: latency,
    };
    writeFileSync(args.json, JSON.stringify(data, null, 2));
  }
} finally {
  await Promise.all([graphqlPublisher.stop(), graphqlSubscriber.stop(), redisPublisher.stop(), redisSubscriber.stop()]);
  await mongo.close();
}

/**
 * Per event, delivery − the latest acknowledgement among it and every event delivered before it
 * (ms): the subscriber gets events in position order, so that is when it could first have it.
 */
function inOrderHops(ackAtUs: readonly number[], arrivedAtUs: readonly number[]): number[] {
  const delivered = arrivedAtUs
    .map((arrivedAt, seq) => ({ arrivedAt, ackAt: ackAtUs[seq] }))
    .filter((e): e is { arrivedAt: number; ackAt: number } => e.arrivedAt !== undefined && e.ackAt !== undefined)
    .sort((a, b) => a.arrivedAt - b.arrivedAt);
  let readyAt = Number.NEGATIVE_INFINITY;
  return delivered.map(({ arrivedAt, ackAt }) => {
    readyAt = Math.max(readyAt, ackAt);
    return (arrivedAt - readyAt) / 1000;
  });
}
