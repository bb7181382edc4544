/** What one side of an S2 round is given and what it reports. */
export interface SideOptions {
  /** A database of this round and side only, dropped afterwards. */
  dbName: string;
  batches: number;
  batchSize: number;
  concurrency: number;
  warmupBatches: number;
  writeConcern: 'majority' | number;
  journal: boolean;
  keyed: boolean;
  /** Makes this round's events (ids in payloads, idempotency keys) unique. */
  runId: string;
  profile: boolean;
  /** Hub side: MONGODB_LIVE_BYTES (0 = no live copy); undefined keeps the hub's default. */
  liveBytes: number | undefined;
  /** Hub side: extra environment for the hub process (`--hub-env KEY=VALUE`). */
  hubEnv: Record<string, string>;
  /** Hub side: `env` uses REDIS_URL when set (as main does); `in-process` starts the hub without it. */
  bus: 'env' | 'in-process';
  /** Local processes whose CPU time is measured during the timed part (the database server, Redis), when found. */
  pids: Record<string, number | undefined>;
  /** Hub side: the checkout whose hub runs (`--baseline`); default this one. */
  root?: string | undefined;
  /** Hub sides: how the batches reach the hub, publishEvents on /graphql or a CloudEvents batch on /events. */
  door: 'graphql' | 'cloudevents';
  /** Raw side: create the hub's archive indexes first (`hub`) or insert into a bare collection (`none`). */
  rawIndexes: 'hub' | 'none';
}

export interface SideResult {
  eventsPerSecond: number;
  seconds: number;
  /** CPU milliseconds per process during the timed part (hub, server, redis), where /proc could tell. */
  cpuMs: Record<string, number>;
  /** Document counts found afterwards, for the report (hub: archive, live copy, claims). */
  stored: Record<string, number>;
}
