import { setTimeout as sleep } from 'node:timers/promises';
import { postGraphql, subscribe } from '../support/graphql.ts';
import { BENCH_KEY, PUBLISH_QUERY } from '../cluster-support/workload.ts';
import { PING_SUBSCRIPTION, pingInput } from './workload.ts';

export interface LatencyPhase {
  /** Publish → subscriber frame, ms, for every ping that arrived. */
  latencies: number[];
  published: number;
  /** Pings that never arrived (within a second after the last publish) or arrived twice. */
  missing: number;
  duplicates: number;
}

/**
 * Publishes a ping every 1/`rate` s for `seconds` (on a fixed schedule, not
 * after the previous answer) and times each from the send of its
 * `publishEvent` to its frame on a live graphql-ws subscription of the same hub.
 */
export async function measureLive(url: string, rate: number, seconds: number, firstSeq: number): Promise<LatencyPhase> {
  const sentAt = new Map<number, number>();
  const latencies: number[] = [];
  const seen = new Set<number>();
  let duplicates = 0;
  const subscription = subscribe<{ events: { payload: { seq: number } } }>(
    url,
    BENCH_KEY,
    PING_SUBSCRIPTION,
    {},
    (data) => {
      const arrived = performance.now();
      const seq = data.events.payload.seq;
      if (seen.has(seq)) return void duplicates++;
      seen.add(seq);
      const sent = sentAt.get(seq);
      if (sent !== undefined) latencies.push(arrived - sent);
    },
  );
  await subscription.connected;
  await sleep(200); // the subscribe message reaches the hub
  const count = Math.round(rate * seconds);
  const start = performance.now();
  const publishes: Promise<unknown>[] = [];
  for (let i = 0; i < count; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const seq = firstSeq + i;
    sentAt.set(seq, performance.now());
    publishes.push(postGraphql(url, BENCH_KEY, { query: PUBLISH_QUERY, variables: { input: pingInput(seq) } }));
  }
  await Promise.all(publishes);
  for (const deadline = performance.now() + 1000; seen.size < count && performance.now() < deadline; ) await sleep(20);
  await subscription.close();
  return { latencies, published: count, missing: count - seen.size, duplicates };
}
