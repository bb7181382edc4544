import { Redis } from 'ioredis';
import { nowUs } from '../cluster-support/clock.ts';
import { subscribe, type Subscription } from '../support/graphql.ts';
import { BENCH_KEY, EVENT_FIELDS, EVENT_TYPE } from '../cluster-support/workload.ts';
import { stampOf, type Stamp } from './message.ts';
import type { ReceiveReport, Target } from './protocol.ts';

/** A live subscription to the bench type, every field of the event selected, as a consumer that wants the whole event. */
export const FOLLOW_QUERY = `subscription Follow($types: [String!]) { events(filter: { types: $types }) { ${EVENT_FIELDS} } }`;

interface RunState {
  seqs: Set<number>;
  report: ReceiveReport;
  lastPosition: number;
}

/** The receiving end: a graphql-ws subscription on a hub, or SUBSCRIBE on Redis. Tallies arrivals per run. */
export function createSubscriber() {
  const runs = new Map<number, RunState>();
  const waiters = new Map<number, () => void>();
  let close: () => Promise<void> = async () => {};

  function arrived(stamp: Stamp, position: number): void {
    const at = nowUs();
    let state = runs.get(stamp.run);
    if (!state) {
      const report: ReceiveReport = {
        received: 0,
        duplicates: 0,
        outOfOrder: 0,
        firstReceiveUs: at,
        lastReceiveUs: at,
        latencyUs: [],
      };
      state = { seqs: new Set(), report, lastPosition: 0 };
      runs.set(stamp.run, state);
    }
    const { report } = state;
    if (state.seqs.has(stamp.seq)) report.duplicates += 1;
    else state.seqs.add(stamp.seq);
    if (position <= state.lastPosition) report.outOfOrder += 1;
    state.lastPosition = position;
    report.received += 1;
    report.lastReceiveUs = at;
    report.latencyUs.push(at - stamp.sentAt);
    waiters.get(stamp.run)?.();
  }

  async function connectHub(baseUrl: string): Promise<void> {
    const subscription: Subscription = subscribe<{ events: { payload: Record<string, unknown>; position: string } }>(
      baseUrl,
      BENCH_KEY,
      FOLLOW_QUERY,
      { types: [EVENT_TYPE] },
      (data) => arrived(stampOf(data.events.payload), Number(data.events.position)),
    );
    subscription.ended.catch((error: unknown) => process.stderr.write(`subscriber: ${String(error)}\n`));
    close = () => subscription.close();
    await subscription.connected;
  }

  async function connectRedis(redisUrl: string, channel: string): Promise<void> {
    const redis = new Redis(redisUrl, { lazyConnect: true });
    redis.on('message', (_channel: string, message: string) => {
      const event = JSON.parse(message) as { payload: Record<string, unknown>; position: number };
      arrived(stampOf(event.payload), event.position);
    });
    close = async () => void (await redis.quit());
    await redis.connect();
    await redis.subscribe(channel);
  }

  return {
    async connect(target: Target) {
      await close();
      if ('hub' in target) await connectHub(target.hub);
      else await connectRedis(target.redis, target.channel);
    },
    async disconnect() {
      await close();
      close = async () => {};
    },
    /** What arrived for `run` once `count` events are in, or after `timeoutMs`; forgets the run. */
    async collect(run: number, count: number, timeoutMs: number, latencies: boolean): Promise<ReceiveReport> {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          waiters.delete(run);
          resolve();
        };
        const timer = setTimeout(done, timeoutMs);
        waiters.set(run, () => (runs.get(run)?.report.received ?? 0) >= count && done());
        if ((runs.get(run)?.report.received ?? 0) >= count) done();
      });
      const report = runs.get(run)?.report ?? {
        received: 0,
        duplicates: 0,
        outOfOrder: 0,
        firstReceiveUs: 0,
        lastReceiveUs: 0,
        latencyUs: [],
      };
      runs.delete(run);
      return latencies ? report : { ...report, latencyUs: [] };
    },
  };
}
