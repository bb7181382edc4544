import type { MongoClient } from 'mongodb';
import { listenerPid } from '../support/cpu.ts';
import { spawnHubProcess, type HubProcess } from '../../test/support/hub-process.ts';
import { BENCH_HUB } from '../support/hub.ts';
import { PROFILE_DIR } from '../support/profiles.ts';
import { runDatabase } from '../cluster-support/servers.ts';
import { BENCH_API_KEYS } from '../cluster-support/workload.ts';
import type { PublisherEnd, SubscriberEnd } from './ends.ts';

/**
 * The paths S5 compares:
 * - `hub`: publishEvent on hub A → MongoDB store → Redis → hub B → graphql-ws
 *   subscriber. Two hub processes on one database and one Redis, as a cluster
 *   runs: the path the goals are about.
 * - `raw`: PUBLISH → Redis → SUBSCRIBE between two plain processes.
 * - `mem`: one hub process on the memory store and the Redis bus; publisher
 *   and subscriber both on it, so each event still goes out to Redis and back
 *   in through the subscribe connection. The hub's path without the MongoDB
 *   write and without a second process: the fan-out cost in isolation. (Two
 *   processes on memory stores would not be a cluster: each would number
 *   positions on its own, and B would fill gaps from a store that never saw
 *   A's events.)
 * - `one`: one hub process on MongoDB and Redis, publisher and subscriber
 *   both on it: `hub` without the hop to a second process. What the hop adds
 *   is `hub` against `one` (throughput, and acknowledgement → delivery).
 * - `ingest` (diagnostic, not in the default run): hub A alone, no
 *   subscriber; publishes until acknowledged. The write path by itself.
 */
export const SIDES = ['hub', 'raw', 'mem', 'one', 'ingest'] as const;
export type Side = (typeof SIDES)[number];
export const DEFAULT_SIDES: readonly Side[] = ['hub', 'one', 'raw', 'mem'];

/** Redis channel of the raw side; the hubs use their own, `event-hub:events`. */
export const RAW_CHANNEL = 'bench-s5:raw';

export interface Path {
  side: Side;
  publisher: PublisherEnd;
  /** Null for `ingest`: acknowledgements are what it measures. */
  subscriber: SubscriberEnd | null;
  /** The processes this path runs through, by name, for CPU accounting. */
  pids: Record<string, number | undefined>;
  /** The MongoDB-wire server is on this path: count its commands. */
  usesMongo: boolean;
  close(): Promise<void>;
}

export interface PathContext {
  mongoUrl: string;
  redisUrl: string;
  mongo: MongoClient;
  graphql: { publisher: PublisherEnd; subscriber: SubscriberEnd };
  redis: { publisher: PublisherEnd; subscriber: SubscriberEnd };
  /** Added to every hub process's configuration (experiments). */
  hubEnv: Record<string, string>;
  /** Hub process names to run under --cpu-prof: a, b, mem. */
  profile: ReadonlySet<string>;
}

/** Sets up one side for a round: fresh hub processes (a fresh database for the MongoDB ones), both ends connected and live. */
export async function openPath(side: Side, ctx: PathContext, round: number): Promise<Path> {
  const servers = { redis: listenerPid(ctx.redisUrl), ferretdb: listenerPid(ctx.mongoUrl) };
  if (side === 'raw') {
    const { publisher, subscriber } = ctx.redis;
    const target = { redis: ctx.redisUrl, channel: RAW_CHANNEL };
    await Promise.all([publisher.connect(target), subscriber.connect(target)]);
    const pids = { publisher: publisher.child.pid, subscriber: subscriber.child.pid, redis: servers.redis };
    const path: Path = { side, publisher, subscriber, pids, usesMongo: false, close: () => disconnect(path) };
    return live(path);
  }

  const { publisher } = ctx.graphql;
  const subscriber = side === 'ingest' ? null : ctx.graphql.subscriber;
  const hubEnv = { REDIS_URL: ctx.redisUrl, HUB_API_KEYS: BENCH_API_KEYS, ...ctx.hubEnv };
  const dbName = side === 'mem' ? null : runDatabase('s5', `${side}${round}`);
  const mongoEnv = { MONGODB_URL: ctx.mongoUrl, MONGODB_DB: dbName ?? '', ...hubEnv };
  const startHub = (name: string, profile: string, env: Record<string, string>) =>
    spawnHubProcess({ ...BENCH_HUB, name, env, cpuProfileDir: ctx.profile.has(profile) ? PROFILE_DIR : undefined });
  const hubs: HubProcess[] = await Promise.all(
    side === 'hub'
      ? [startHub('hub A', 'a', mongoEnv), startHub('hub B', 'b', mongoEnv)]
      : side === 'ingest' || side === 'one'
        ? [startHub('hub A', 'a', mongoEnv)]
        : [startHub('hub mem', 'mem', hubEnv)],
  );
  const [first, second = first] = hubs as [HubProcess, HubProcess?];
  await Promise.all([publisher.connect({ hub: first.url }), subscriber?.connect({ hub: second.url })]);
  const hubPids =
    side === 'hub'
      ? { 'hub A': first.child.pid, 'hub B': second.child.pid }
      : { [side === 'mem' ? 'hub mem' : 'hub A']: first.child.pid };
  const pids: Record<string, number | undefined> = {
    publisher: publisher.child.pid,
    ...hubPids,
    ...(subscriber && { subscriber: subscriber.child.pid }),
    redis: servers.redis,
    ...(dbName && { ferretdb: servers.ferretdb }),
  };
  const path: Path = {
    side,
    publisher,
    subscriber,
    pids,
    usesMongo: dbName !== null,
    async close() {
      await disconnect(path);
      await Promise.all(hubs.map((hub) => hub.stop()));
      if (dbName)
        await ctx.mongo
          .db(dbName)
          .dropDatabase()
          .catch(() => {});
    },
  };
  return live(path);
}

async function disconnect(path: Path): Promise<void> {
  await Promise.all([path.publisher.disconnect(), path.subscriber?.disconnect()]);
}

let probeRun = 0;

/**
 * Publishes single probe events until one reaches the subscriber: a live-only
 * subscription counts from the moment the hub registered it, which the
 * client cannot see.
 */
async function live(path: Path): Promise<Path> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const run = -++probeRun;
    await path.publisher.publishOne(run, 0);
    if (!path.subscriber || (await path.subscriber.collect(run, 1, 200, false)).received > 0) return path;
  }
  await path.close();
  throw new Error(`${path.side}: no probe event reached the subscriber in 100 attempts`);
}
