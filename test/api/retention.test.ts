// The event life cycle through a hub on FerretDB with retention shrunk to seconds: events leave the
// archive for cold segments, readers from before them get CURSOR_EXPIRED with the oldest position
// served, coldSegments lists a tenant's own segments only, and short cold retention purges them.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { gql, PUBLISH } from '../support/graphql-client.ts';
import { TEST_KEYS } from '../support/hub.ts';
import { startHubOn, type TestHub } from '../support/store-hubs.ts';
import { subscribe, wsClient } from '../support/ws-client.ts';

const SEGMENTS = /* GraphQL */ `
  query Segments($from: DateTime, $to: DateTime) { coldSegments(from: $from, to: $to) { day firstPosition lastPosition count sha256 bytes } }
`;
const PAGE = /* GraphQL */ `
  query Page($after: String, $types: [String!]) { events(first: 50, order: ASC, after: $after, filter: { types: $types }) { edges { cursor node { id type payload } } } }
`;

interface Segment {
  day: string;
  firstPosition: string;
  lastPosition: string;
  count: number;
  sha256: string;
  bytes: number;
}

/** Asks until `check` passes or 30 s have gone by (the job runs every second). */
async function eventually<T>(ask: () => Promise<T>, check: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await ask();
    if (check(value) || Date.now() > deadline) return value;
    await sleep(250);
  }
}

describe('retention through a hub on FerretDB', () => {
  let hub: TestHub;
  let dir: string;
  const segmentsOf = async (key: string) =>
    ((await gql(hub.url, SEGMENTS, {}, key)).data?.['coldSegments'] ?? []) as Segment[];
  const publish = async (key: string, n: number) => {
    const response = await gql(
      hub.url,
      PUBLISH,
      { input: { type: 'order.placed', source: { type: 'INTEGRATION', id: 'shop' }, payload: { n } } },
      key,
    );
    return response.data?.['publishEvent'].event as { id: string; position: string };
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hub-cold-'));
    hub = await startHubOn('mongodb', {
      HUB_COLD_DIR: dir,
      HUB_RETENTION_WARM: '2s',
      HUB_RETENTION_INTERVAL: '1s',
      HUB_RETENTION_POLICIES: JSON.stringify([{ tenant: 'globex', cold: '3s' }]),
    });
  });
  after(async () => {
    await hub.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('moves aged events to cold segments; pages and subscriptions from before them get CURSOR_EXPIRED with the oldest position served', async () => {
    const published = [
      await publish(TEST_KEYS.acme, 1),
      await publish(TEST_KEYS.acme, 2),
      await publish(TEST_KEYS.acme, 3),
    ];
    const last = Number(published[2]!.position);
    const segments = await eventually(
      () => segmentsOf(TEST_KEYS.acme),
      (list) => list.some((s) => Number(s.lastPosition) >= last),
    );
    assert.ok(
      segments.some((s) => Number(s.lastPosition) >= last),
      'the events reached a cold segment',
    );
    assert.equal(segments.reduce((sum, s) => sum + s.count, 0) >= 3, true);
    assert.match(segments[0]!.sha256, /^[0-9a-f]{64}$/);
    assert.equal(segments[0]!.firstPosition, published[0]!.position);

    // A segment is listed once written and verified; its events leave the archive just after.
    const page = await eventually(
      () => gql(hub.url, PAGE, { after: published[0]!.position }, TEST_KEYS.acme),
      (answer) => answer.errors?.[0]?.extensions?.['code'] === 'CURSOR_EXPIRED',
    );
    const error = page.errors?.[0];
    assert.equal(error?.extensions?.['code'], 'CURSOR_EXPIRED');
    const oldest = Number(error?.extensions?.['oldestPosition']);
    assert.ok(oldest > last, `the oldest position served (${oldest}) is past the moved events`);
    assert.equal(error?.extensions?.['resumeAfter'], String(oldest - 1));
    const orders = await gql(hub.url, PAGE, { types: ['order.placed'] }, TEST_KEYS.acme);
    assert.deepEqual(orders.data?.['events'].edges, [], 'the moved events left the archive');

    const client = wsClient(hub.url, TEST_KEYS.acme);
    const sub = subscribe(client, 'subscription($after: String) { events(after: $after) { id } }', {
      after: published[0]!.position,
    });
    const [result] = await sub.waitFor(1);
    assert.equal(result?.errors?.[0]?.extensions?.['code'], 'CURSOR_EXPIRED');
    assert.ok(Number(result?.errors?.[0]?.extensions?.['oldestPosition']) > last);
    await sub.ended;
    await client.dispose();
  });

  it("lists a tenant's own segments only, and purges them after their cold retention", async () => {
    assert.ok((await segmentsOf(TEST_KEYS.acme)).length > 0);
    assert.deepEqual(await segmentsOf(TEST_KEYS.globex), [], "another tenant's segments are not listed");
    const event = await publish(TEST_KEYS.globex, 1);
    const purged = await eventually(
      async () =>
        (await gql(hub.url, PAGE, { types: ['system.retention.purged'] }, TEST_KEYS.globex)).data?.['events'].edges ??
        [],
      (edges: { node: { payload: { firstPosition: string } } }[]) =>
        edges.some((edge) => edge.node.payload.firstPosition === event.position),
    );
    assert.ok(
      purged.some(
        (edge: { node: { payload: { firstPosition: string } } }) => edge.node.payload.firstPosition === event.position,
      ),
      'globex recorded the purge',
    );
    assert.ok(
      (await segmentsOf(TEST_KEYS.globex)).every((s) => Number(s.firstPosition) > Number(event.position)),
      'the purged segment is gone',
    );
    assert.ok((await segmentsOf(TEST_KEYS.acme)).length > 0, 'acme keeps its segments (cold 7y)');
  });

  it('refuses a coldSegments range whose start is after its end', async () => {
    const response = await gql(
      hub.url,
      SEGMENTS,
      { from: '2024-03-02T00:00:00Z', to: '2024-03-01T00:00:00Z' },
      TEST_KEYS.acme,
    );
    assert.equal(response.errors?.[0]?.extensions?.['code'], 'BAD_USER_INPUT');
  });
});
