import type { MongoClient } from 'mongodb';
import { COLLECTIONS } from '../../src/store/mongodb/index.ts';
import { cpuDuring } from '../support/cpu.ts';
import { join } from 'node:path';
import { spawnHubProcess } from '../../test/support/hub-process.ts';
import { postGraphql } from '../support/graphql.ts';
import { BENCH_HUB } from '../support/hub.ts';
import { PROFILE_DIR } from '../support/profiles.ts';
import { drive } from './drive.ts';
import type { SideOptions, SideResult } from './side.ts';
import { BENCH_API_KEYS, BENCH_KEY, BENCH_TENANT, batchInputs, cloudEventsBody, publishBody } from './workload.ts';

interface PublishAnswer {
  publishEvents?: { status: string; event: { id: string; position: string } | null; error: { code: string } | null }[];
}

/** One event's answer, from either door: its status, its id when stored, why not otherwise. */
interface Answer {
  status: string;
  id: string | null;
  why: unknown;
}

/** A publishEvents request, answered per event. */
async function publishGraphql(url: string, body: string): Promise<Answer[] | undefined> {
  const answer = await postGraphql<PublishAnswer>(url, BENCH_KEY, body);
  return answer.publishEvents?.map((r) => ({ status: r.status, id: r.event?.id ?? null, why: r.error }));
}

/** A CloudEvents batch at `POST /events`, answered 202 per event (docs/INGEST.md). */
async function publishCloudEvents(url: string, body: string): Promise<Answer[] | undefined> {
  const response = await fetch(`${url}/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/cloudevents-batch+json', authorization: `Bearer ${BENCH_KEY}` },
    body,
  });
  const text = await response.text();
  if (response.status !== 202) throw new Error(`hub: /events answered ${response.status}: ${text.slice(0, 500)}`);
  const results = JSON.parse(text) as { status: string; id: string | null; problem?: unknown }[];
  return results.map((r) => ({ status: r.status, id: r.id, why: r.problem }));
}

/**
 * One round of the hub side: a hub process (`src/main.ts`) on a database of
 * its own, warmed up, then `batches` publishEvents requests; every event must
 * come back ACCEPTED, and the archive must then hold exactly the events that
 * were acknowledged, each at its own position. With `embedded`, the same hub
 * and requests on the embedded store (no MONGODB_URL): what the hub costs
 * before any work for MongoDB.
 */
export async function runHubSide(
  client: MongoClient,
  options: SideOptions & { embedded?: boolean },
): Promise<SideResult> {
  const { dbName, batches, batchSize, concurrency, warmupBatches, writeConcern, journal, keyed, runId } = options;
  const hub = await spawnHubProcess({
    ...BENCH_HUB,
    ...(options.root !== undefined && { root: options.root, name: 'baseline hub' }),
    inheritEnv: true, // MONGODB_URL and REDIS_URL come from the runner's environment
    env: {
      MONGODB_DB: dbName,
      HUB_API_KEYS: BENCH_API_KEYS,
      MONGODB_WRITE_CONCERN: String(writeConcern),
      MONGODB_JOURNAL: String(journal),
      HUB_MAX_BATCH: String(Math.max(1000, batchSize)),
      ...(options.liveBytes !== undefined && { MONGODB_LIVE_BYTES: String(options.liveBytes) }),
      ...(options.bus === 'in-process' && { REDIS_URL: undefined }),
      ...(options.embedded && { MONGODB_URL: undefined }),
      ...options.hubEnv,
    },
    cpuProfileDir: options.profile ? join(PROFILE_DIR, 's2') : undefined,
  });
  try {
    const acknowledged = new Set<string>();
    const cloudEvents = options.door === 'cloudevents';
    const publish = async (body: string, expected: number) => {
      const results = await (cloudEvents ? publishCloudEvents : publishGraphql)(hub.url, body);
      if (results?.length !== expected)
        throw new Error(`hub: ${results?.length} answers for ${expected} events: ${JSON.stringify(results?.[0])}`);
      for (const result of results) {
        if (result.status !== 'ACCEPTED' || !result.id)
          throw new Error(`hub: an event was ${result.status} ${JSON.stringify(result.why)}`);
        acknowledged.add(result.id);
      }
    };
    const bodyOf = (b: number, run: string) => {
      const inputs = batchInputs(b, batchSize, { runId: run, keyed });
      return cloudEvents ? cloudEventsBody(inputs, run) : publishBody(inputs);
    };
    const warm = Array.from({ length: warmupBatches }, (_, b) => bodyOf(b, `${runId}-warm`));
    for (const body of warm) await publish(body, batchSize);
    const bodies = Array.from({ length: batches }, (_, b) => bodyOf(b, runId));

    const { result: seconds, cpuMs } = await cpuDuring({ ...options.pids, hub: hub.child.pid }, () =>
      drive(batches, concurrency, (b) => publish(bodies[b]!, batchSize)),
    );

    const total = (warmupBatches + batches) * batchSize;
    if (acknowledged.size !== total)
      throw new Error(`hub: ${acknowledged.size} distinct ids acknowledged for ${total} events`);
    const result = { eventsPerSecond: (batches * batchSize) / seconds, seconds, cpuMs };
    if (options.embedded) return { ...result, stored: { acknowledged: acknowledged.size } };
    const stored = await storedCounts(client, dbName);
    if (stored.events !== total || stored.positions !== total) {
      throw new Error(
        `hub: ${total} events acknowledged, the archive holds ${stored.events} on ${stored.positions} distinct positions`,
      );
    }
    return { ...result, stored };
  } finally {
    await hub.stop();
  }
}

/** What the hub's database holds afterwards (read by the runner, with the driver, not through the hub). */
async function storedCounts(client: MongoClient, dbName: string) {
  const db = client.db(dbName);
  const archive = db.collection(COLLECTIONS.archive);
  const events = await archive.countDocuments({ tenantId: BENCH_TENANT, gap: { $ne: true } });
  const tombstones = await archive.countDocuments({ gap: true });
  const positions = (await archive.distinct('position', { tenantId: BENCH_TENANT, gap: { $ne: true } })).length;
  const live = await db.collection(COLLECTIONS.live).countDocuments({});
  const claims = await db.collection(COLLECTIONS.claims).countDocuments({});
  return { events, positions, tombstones, live, claims };
}
