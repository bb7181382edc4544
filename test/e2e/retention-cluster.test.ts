// The retention job in real hub processes on one FerretDB database and one cold directory, with
// warm shrunk to a second: a process killed with SIGKILL at each step of a move (after the write,
// after the verify, half-way through the delete) loses and duplicates nothing and another process
// finishes the work; two processes running the job together never move an event twice.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it, type TestContext } from 'node:test';
import { createFsColdStore } from '../../src/cold/fs-cold-store.ts';
import { readTieredRange } from '../../src/cold/read-tiers.ts';
import type { HubEvent } from '../../src/events/event.ts';
import { compileFilter } from '../../src/filter/index.ts';
import { createMongoEventStore } from '../../src/store/mongodb/index.ts';
import { readExport } from '../support/export-client.ts';
import { gql } from '../support/graphql-client.ts';
import { TEST_KEYS, type HubProcess } from '../support/hub.ts';
import { mongoHubs, type MongoHubs } from '../support/mongo-hubs.ts';

const PUBLISH_MANY = /* GraphQL */ `
  mutation Publish($input: [PublishEventInput!]!) { publishEvents(input: $input) { status event { id position } } }
`;
const RETENTION = { HUB_RETENTION_WARM: '1s', HUB_RETENTION_INTERVAL: '1s', HUB_LEASE_MS: '1500' };

async function publish(hub: HubProcess, n: number, round = 0): Promise<{ id: string; position: string }[]> {
  const input = Array.from({ length: n }, (_, i) => ({
    type: 'order.placed',
    source: { type: 'INTEGRATION', id: 'shop' },
    payload: { round, i },
  }));
  const response = await gql(hub.url, PUBLISH_MANY, { input }, TEST_KEYS.acme);
  assert.equal(response.errors, undefined, JSON.stringify(response.errors));
  return (response.data!['publishEvents'] as { event: { id: string; position: string } }[]).map((r) => r.event);
}

/** A cold directory removed after the test, and hub processes on a fresh database with retention on. */
async function cluster(t: TestContext, env: Record<string, string> = {}): Promise<{ hubs: MongoHubs; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'hub-cold-e2e-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return { hubs: await mongoHubs(t, { HUB_COLD_DIR: dir, ...RETENTION, ...env }), dir };
}

/** Every acme event in cold and archive, read straight from the database and directory as a crash left them. */
async function everyTier(hubs: MongoHubs, dir: string): Promise<HubEvent[]> {
  const { client, dbName } = hubs.mongo;
  const store = await createMongoEventStore({ client, dbName, idempotencyWindowMs: 60_000, liveCollectionBytes: 0 });
  try {
    const range = await readTieredRange(store, createFsColdStore({ root: dir }), 'acme', {
      after: 0,
      filter: compileFilter({ types: ['order.placed'] }),
      batch: 100,
    });
    const events: HubEvent[] = [];
    for await (const page of range.pages) events.push(...page);
    return events;
  } finally {
    await store.close(); // its sweeper; the client is the test's
  }
}

/** Waits (40 s at most) until none of acme's orders is left in the archive: every one went to cold. */
async function archiveEmptied(hub: HubProcess): Promise<void> {
  const deadline = Date.now() + 40_000;
  for (;;) {
    const page = await gql(
      hub.url,
      'query { events(first: 1, filter: { types: ["order.placed"] }) { edges { node { id } } } }',
      {},
      TEST_KEYS.acme,
    );
    if (page.data?.['events'].edges.length === 0) return;
    assert.ok(Date.now() < deadline, 'the archive gave up its orders within 40 s');
    await sleep(250);
  }
}

/** Acme's cold segments: never overlapping, and the export through `hub` holds `ids` once each, in order. */
async function assertMovedOnce(hub: HubProcess, dir: string, ids: string[]): Promise<void> {
  const segments = await createFsColdStore({ root: dir }).list('acme');
  segments.forEach((segment, i) => {
    if (i > 0) assert.ok(segment.firstPosition > segments[i - 1]!.lastPosition, 'no two segments hold a position');
  });
  const exported = await readExport(hub.url, TEST_KEYS.acme, { filter: { types: ['order.placed'] } });
  assert.equal(exported.status, 200);
  assert.ok(exported.trailer, 'the export finished');
  assert.deepEqual(
    exported.events.map((line) => line['id']),
    ids,
  );
  // The records age into cold like any event: read them across tiers too.
  const archived = await readExport(hub.url, TEST_KEYS.acme, { filter: { types: ['system.retention.archived'] } });
  const firsts = archived.events.map((line) => (line['payload'] as { firstPosition: string }).firstPosition);
  assert.ok(firsts.length > 0);
  assert.equal(new Set(firsts).size, firsts.length, 'each move is recorded once');
}

const STEPS = ['afterWrite', 'afterVerify', 'duringDelete'] as const;

describe('the retention job across hub processes on FerretDB', { timeout: 240_000 }, () => {
  for (const step of STEPS) {
    it(`loses and duplicates nothing when the process moving a segment is killed with SIGKILL at ${step}, and another finishes the work`, async (t) => {
      const { hubs, dir } = await cluster(t);
      // Only this process's job runs until it dies; the survivor starts after, without the fault.
      const doomed = await hubs.start({ HUB_RETENTION_CRASH_AT: step });
      const crashed = once(doomed.child, 'exit', { signal: AbortSignal.timeout(30_000) });
      const published = (await publish(doomed, 6)).map((event) => event.id);
      await crashed;
      assert.equal(doomed.child.signalCode, 'SIGKILL', `the process killed itself at ${step}`);
      assert.deepEqual(
        (await everyTier(hubs, dir)).map((event) => event.id),
        published,
        'right after the kill every event is in exactly one tier',
      );
      const survivor = await hubs.start();
      await archiveEmptied(survivor);
      await assertMovedOnce(survivor, dir, published);
    });
  }

  it('never moves an event twice when two processes run the job on one database and one cold directory', async (t) => {
    const { hubs, dir } = await cluster(t);
    const both = [await hubs.start(), await hubs.start()];
    const published: string[] = [];
    for (let round = 0; round < 6; round++) {
      published.push(...(await publish(both[round % 2]!, 5, round)).map((event) => event.id));
      await sleep(700); // rounds land in different runs, on either process
    }
    await archiveEmptied(both[0]!);
    await assertMovedOnce(both[1]!, dir, published);
    const segments = await createFsColdStore({ root: dir }).list('acme');
    t.diagnostic(`${published.length} events in ${segments.length} segments`);
  });
});
