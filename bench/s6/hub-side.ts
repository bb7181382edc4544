import { postGraphql, subscribe } from '../support/graphql.ts';
import { BENCH_KEY, EVENT_FIELDS, PUBLISH_QUERY, eventInput } from '../cluster-support/workload.ts';
import { check, type CheckResult, type Expected } from './check.ts';

export const RESUME_QUERY = `subscription Resume($after: String) { events(after: $after) { ${EVENT_FIELDS} } }`;

/** One side's read of the whole archive in one round. */
export interface ReadResult {
  /** Stored events received. */
  events: number;
  seconds: number;
  /** The read stopped at its time budget (the check then covers the prefix it received). */
  partial: boolean;
  /** The read ended with an error (the hub's `extensions.code` when it sent one). */
  error?: string;
  check: CheckResult;
  /** Milliseconds between the arrivals of every `page`-th event: how long each catch-up page took. */
  pageMs: number[];
  /** Live events published after catch-up and how they arrived (hub only). */
  live?: CheckResult & { published: number };
}

export interface HubReadOptions {
  url: string;
  expected: Expected;
  page: number;
  /** Live events to publish once the stored ones are in. */
  live: number;
  budgetMs: number;
}

/**
 * Resumes from the start (`after: "0"`) over graphql-ws, as a client that
 * was away since the first event would, and waits until every stored event
 * has arrived; then publishes `live` events through the same hub and checks
 * that each arrives once, after the stored ones.
 */
export async function readThroughHub(options: HubReadOptions): Promise<ReadResult> {
  const { expected, page } = options;
  const stored = expected.positions.length;
  const positions: number[] = [];
  const pageMs: number[] = [];
  let wanted = stored;
  let reached: (() => void) | null = null;
  let lastPageAt = performance.now();
  const started = lastPageAt;
  let caughtUpAt = 0;

  const subscription = subscribe<{ events: { position: string } }>(
    options.url,
    BENCH_KEY,
    RESUME_QUERY,
    { after: '0' },
    (data) => {
      positions.push(Number(data.events.position));
      if (positions.length % page === 0) {
        const now = performance.now();
        pageMs.push(now - lastPageAt);
        lastPageAt = now;
      }
      if (positions.length === stored) caughtUpAt = performance.now();
      if (positions.length >= wanted) reached?.();
    },
  );
  /** Resolves when `count` events are in, with 'budget' when `ms` pass first; rejects when the subscription fails. */
  const receive = (count: number, ms: number) =>
    new Promise<'done' | 'budget'>((resolve, reject) => {
      wanted = count;
      const timer = setTimeout(() => resolve('budget'), ms);
      const fail = (error: Error) => {
        clearTimeout(timer);
        reject(error);
      };
      reached = () => {
        clearTimeout(timer);
        resolve('done');
      };
      if (positions.length >= count) reached();
      subscription.ended.then(() => fail(new Error('the hub completed the subscription')), fail);
    });

  try {
    let outcome: 'done' | 'budget';
    try {
      outcome = await receive(stored, options.budgetMs);
    } catch (error) {
      const seconds = (performance.now() - started) / 1000;
      return {
        events: positions.length,
        seconds,
        partial: true,
        error: codeOf(error),
        check: check(positions, expected, true),
        pageMs,
      };
    }
    if (outcome === 'budget') {
      const seconds = (performance.now() - started) / 1000;
      return { events: positions.length, seconds, partial: true, check: check(positions, expected, true), pageMs };
    }
    const seconds = (caughtUpAt - started) / 1000;
    const catchUpCheck = check(positions, expected);
    const live = await publishLive(options, positions, receive);
    return { events: stored, seconds, partial: false, check: catchUpCheck, pageMs, live };
  } finally {
    await subscription.close();
  }
}

/** Publishes the live events one by one, waits for them and a little longer (a repeat would show), and checks. */
async function publishLive(
  options: HubReadOptions,
  positions: number[],
  receive: (count: number, ms: number) => Promise<'done' | 'budget'>,
): Promise<CheckResult & { published: number }> {
  const before = positions.length;
  const published: number[] = [];
  for (let i = 0; i < options.live; i++) {
    const data = await postGraphql<{ publishEvent: { status: string; event: { position: string } } }>(
      options.url,
      BENCH_KEY,
      {
        query: PUBLISH_QUERY,
        variables: { input: eventInput({ seq: 1_000_000_000 + i }) },
      },
    );
    if (data.publishEvent.status !== 'ACCEPTED') throw new Error(`live publish answered ${data.publishEvent.status}`);
    published.push(Number(data.publishEvent.event.position));
  }
  options.expected.positions.push(...published); // later rounds read them as stored events
  await receive(before + published.length, 10_000).catch(() => 'failed');
  await new Promise((resolve) => setTimeout(resolve, 300));
  const arrived = positions.slice(before);
  const liveExpected: Expected = { positions: published, tombstones: options.expected.tombstones };
  return { ...check(arrived, liveExpected), published: published.length };
}

function codeOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const code = /"code":"([A-Z_]+)"/.exec(text);
  return code ? code[1]! : text.slice(0, 200);
}
