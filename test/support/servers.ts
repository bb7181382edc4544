/**
 * Real servers for integration and e2e tests. `npm test` starts Redis and FerretDB and exports
 * their URLs; each call here gets its own database / key prefix, so test files running in
 * parallel never see each other's data.
 *
 *   const mongo = await testMongo(t);   // dropped and closed by t.after
 *   const redis = await testRedis(t);   // keys under redis.keyPrefix deleted by t.after
 */
import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import { MongoClient, type Db } from 'mongodb';
import { Redis } from 'ioredis';

/** Anything with node:test's `after`: a TestContext `t`, or `{ after }` from node:test for a whole file. */
export interface CleanupScope {
  after(fn: () => Promise<void>): void;
}

export interface TestMongo {
  url: string;
  dbName: string;
  client: MongoClient;
  db: Db;
  /** Drops the database and closes the client; safe to call twice. */
  close(): Promise<void>;
}

export interface TestRedis {
  url: string;
  /** Unique per call, ends with ':'; use it for keys and channel names. */
  keyPrefix: string;
  /**
   * A plain connection (no ioredis keyPrefix option, so keys and channels are as written).
   * Do not SUBSCRIBE on it: close() needs it for SCAN; open `new Redis(url)` for subscribers.
   */
  redis: Redis;
  /** Deletes keys under keyPrefix and disconnects; safe to call twice. */
  close(): Promise<void>;
}

function requireUrl(name: 'MONGODB_URL' | 'REDIS_URL', server: string): string {
  const url = process.env[name];
  if (!url) {
    throw new Error(
      `${name} is not set: run the suite with \`npm test\`, which starts ${server}, or point ${name} at a ${name === 'MONGODB_URL' ? 'MongoDB' : 'Redis'} server`,
    );
  }
  return url;
}

/** The MongoDB-wire server for this run; throws a how-to-fix error when there is none. */
export function requireMongoUrl(): string {
  return requireUrl('MONGODB_URL', 'FerretDB');
}

/** The Redis server for this run; throws a how-to-fix error when there is none. */
export function requireRedisUrl(): string {
  return requireUrl('REDIS_URL', 'Redis');
}

/**
 * A short name for the running test file plus randomness, e.g. `harness_3f9a1c2b`.
 * Kept well under MongoDB's 63-byte database name limit.
 */
export function uniqueName(): string {
  const file = basename(process.argv[1] ?? 'test').replace(/\.test\.[cm]?[jt]s$|\.[cm]?[jt]s$/, '');
  const slug = file
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .slice(0, 32);
  return `${slug}_${randomBytes(4).toString('hex')}`;
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= fn());
}

/** Connects to a fresh database `test_<file>_<random>`; with `scope`, cleanup is registered on it. */
export async function testMongo(scope?: CleanupScope): Promise<TestMongo> {
  const url = requireMongoUrl();
  const dbName = `test_${uniqueName()}`;
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 5000 });
  await client.connect();
  const db = client.db(dbName);
  const close = once(async () => {
    try {
      await db.dropDatabase();
    } finally {
      await client.close();
    }
  });
  scope?.after(close);
  return { url, dbName, client, db, close };
}

/** Connects to Redis with a fresh key prefix `test:<file>_<random>:`; with `scope`, cleanup is registered on it. */
export async function testRedis(scope?: CleanupScope): Promise<TestRedis> {
  const url = requireRedisUrl();
  const keyPrefix = `test:${uniqueName()}:`;
  // Fail fast instead of ioredis's default of retrying forever when the server is gone.
  const redis = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
  await redis.connect();
  const close = once(async () => {
    try {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 500);
        if (keys.length) await redis.unlink(...keys);
        cursor = next;
      } while (cursor !== '0');
    } finally {
      redis.disconnect();
    }
  });
  scope?.after(close);
  return { url, keyPrefix, redis, close };
}
