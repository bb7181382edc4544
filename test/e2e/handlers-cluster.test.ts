// Typed handlers black-box (issue 6): hub processes on the MongoDB-wire server and a Redis of this
// file's own (or, once, no Redis: the live-collection bus), running the recording handlers of
// test/fixtures/recording-handlers.ts through HUB_HANDLER_MODULES, driven over GraphQL.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { describe, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RecordedCall } from '../fixtures/recording-handlers.ts';
import { publishInput } from '../support/fixtures.ts';
import { gql } from '../support/graphql-client.ts';
import { TEST_KEYS, type HubProcess } from '../support/hub.ts';
import { allEvents, killHard, mongoHubs } from '../support/mongo-hubs.ts';
import { ownRedis } from '../support/own-redis.ts';
import { recorder } from '../support/recorder.ts';

interface Cluster {
  hubs: HubProcess[];
  recordFile: string;
  start(): Promise<HubProcess>;
  calls(handler?: string): RecordedCall[];
}

/** `size` hub processes on one database, with a Redis of their own unless `redis` is false (then the live-collection bus). */
async function cluster(
  t: TestContext,
  size: number,
  env: Record<string, string> = {},
  { redis = true }: { redis?: boolean } = {},
): Promise<Cluster> {
  const { env: recording, recordFile, calls } = recorder(t);
  const hubs = await mongoHubs(t, {
    ...(redis && { REDIS_URL: (await ownRedis(t)).url }),
    ...recording,
    HUB_HANDLER_POLL_MS: '250',
    HUB_LEASE_MS: '1500',
    ...env,
  });
  const started = await Promise.all(Array.from({ length: size }, () => hubs.start()));
  return { hubs: started, recordFile, start: hubs.start, calls };
}

const BOTH = [
  ['acme', TEST_KEYS.acme],
  ['globex', TEST_KEYS.globex],
] as const;

/**
 * Publishes `count` jobs per tenant in batches of 5, alternating tenants; returns the stored events.
 * `hub` may be a function picking a live hub per batch: a batch whose hub dies under it is sent
 * again to another, safely, since every job has an idempotency key.
 */
async function publishJobs(
  hub: HubProcess | (() => HubProcess),
  label: string,
  count: number,
  payload: Record<string, unknown> = {},
  tenants: readonly (readonly [string, string])[] = BOTH,
) {
  const pick = typeof hub === 'function' ? hub : () => hub;
  const PUBLISH_KEYED =
    'mutation($input: [PublishEventInput!]!) { publishEvents(input: $input) { status originalEventId event { id } } }';
  const stored: { id: string; tenant: string }[] = [];
  for (let i = 0; i < count; i += 5) {
    for (const [tenant, key] of tenants) {
      const input = Array.from({ length: Math.min(5, count - i) }, (_, j) =>
        publishInput({
          type: `job.${label}.run`,
          payload: { n: i + j, ...payload },
          metadata: { idempotencyKey: `${label}-${tenant}-${i + j}` },
        }),
      );
      for (let attempt = 1; ; attempt++) {
        const result = await gql(pick().url, PUBLISH_KEYED, { input }, key).catch((error: unknown) => {
          if (attempt >= 3) throw error;
          return null; // the hub died mid-request: send the batch again
        });
        if (!result) continue;
        assert.equal(result.errors, undefined, JSON.stringify(result.errors));
        for (const item of result.data!.publishEvents) {
          assert.ok(item.status === 'ACCEPTED' || (attempt > 1 && item.status === 'DUPLICATE'), JSON.stringify(item));
          stored.push({ id: item.event?.id ?? item.originalEventId, tenant });
        }
        break;
      }
    }
  }
  return stored;
}

async function until(
  condition: () => boolean | Promise<boolean>,
  what: () => string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what()}`);
    await sleep(100);
  }
}

/** Within each tenant, the recorder's calls in the order they happened have increasing positions. */
function assertInOrderPerTenant(calls: readonly RecordedCall[]): void {
  for (const tenant of ['acme', 'globex']) {
    const positions = calls.filter((c) => c.tenantId === tenant && c.attempt === 1).map((c) => c.position);
    for (let i = 1; i < positions.length; i++) {
      assert.ok(
        positions[i]! >= positions[i - 1]!,
        `${tenant}: position ${positions[i]} handled after ${positions[i - 1]}`,
      );
    }
  }
}

/** Three processes publish 20 jobs per tenant each; the recorder handles every one once, in order, and the status says so. */
async function handlesEveryEventOnce(hubs: HubProcess[], calls: Cluster['calls']): Promise<void> {
  const accepted = (await Promise.all(hubs.map((hub, i) => publishJobs(hub, `p${i}`, 20)))).flat();
  await until(
    () => new Set(calls('recorder').map((c) => c.eventId)).size === accepted.length,
    () => `${accepted.length} events handled (${calls('recorder').length} calls)`,
  );
  await sleep(1000); // anything handled twice would show up by now
  const recorded = calls('recorder');
  assert.deepEqual(recorded.map((c) => c.eventId).sort(), accepted.map((e) => e.id).sort(), 'each event exactly once');
  assertInOrderPerTenant(recorded);
  const status = await gql(hubs[0]!.url, '{ handlers { name processed failed lag } }', {}, TEST_KEYS.acme);
  const recorder = status.data?.handlers.find((h: { name: string }) => h.name === 'recorder');
  assert.deepEqual(recorder, {
    name: 'recorder',
    processed: accepted.filter((e) => e.tenant === 'acme').length,
    failed: 0,
    lag: 0,
  });
}

describe('typed handlers across hub processes (MongoDB-wire + Redis)', () => {
  it('handles every event once, per tenant in position order, with three processes publishing', {
    timeout: 120_000,
  }, async (t) => {
    const { hubs, calls } = await cluster(t, 3);
    await handlesEveryEventOnce(hubs, calls);
  });

  it('does the same with no Redis: the processes share the live collection as their bus', {
    timeout: 120_000,
  }, async (t) => {
    const { hubs, calls } = await cluster(t, 3, {}, { redis: false });
    for (const hub of hubs) assert.match(hub.output(), /"bus":"mongodb"/);
    await handlesEveryEventOnce(hubs, calls);
  });

  it('retries at the configured backoff, dead-letters with the error shape, and handles the event again on redrive', {
    timeout: 90_000,
  }, async (t) => {
    const { hubs, calls, recordFile } = await cluster(t, 1, { HUB_HANDLER_BACKOFF_MS: '300,600' });
    const [failing] = await publishJobs(hubs[0]!, 'bad', 1, { fail: 'always' }, [BOTH[0]]);
    const DEAD =
      '{ deadLetters { edges { node { id handler deadAt event { id } error { message code attempts lastAttempt } } } } }';
    await until(
      async () => (await gql(hubs[0]!.url, DEAD, {}, TEST_KEYS.acme)).data?.deadLetters.edges.length === 1,
      () => 'the dead letter',
    );
    const attempts = calls('recorder').filter((c) => c.eventId === failing!.id);
    assert.deepEqual(
      attempts.map((c) => c.attempt),
      [1, 2, 3],
    );
    assert.ok(attempts[1]!.at - attempts[0]!.at >= 290, `first retry after ${attempts[1]!.at - attempts[0]!.at} ms`);
    assert.ok(attempts[2]!.at - attempts[1]!.at >= 590, `second retry after ${attempts[2]!.at - attempts[1]!.at} ms`);
    const [{ node: letter }] = (await gql(hubs[0]!.url, DEAD, {}, TEST_KEYS.acme)).data!.deadLetters.edges;
    assert.equal(letter.handler, 'recorder');
    assert.equal(letter.event.id, failing!.id);
    assert.deepEqual(
      { ...letter.error, lastAttempt: typeof letter.error.lastAttempt },
      { message: 'job 0 refused', code: 'HANDLER_ERROR', attempts: 3, lastAttempt: 'string' },
    );
    assert.equal(
      (await gql(hubs[0]!.url, DEAD, {}, TEST_KEYS.globex)).data?.deadLetters.edges.length,
      0,
      'another tenant sees no dead letter',
    );

    writeFileSync(`${recordFile}.healed`, '');
    const redriven = await gql(
      hubs[0]!.url,
      'mutation($ids: [ID!]!) { redriveDeadLetters(ids: $ids) }',
      { ids: [letter.id] },
      TEST_KEYS.acme,
    );
    assert.equal(redriven.data?.redriveDeadLetters, 1);
    await until(
      async () => (await gql(hubs[0]!.url, DEAD, {}, TEST_KEYS.acme)).data?.deadLetters.edges.length === 0,
      () => 'the redrive',
    );
    assert.equal(calls('recorder').filter((c) => c.eventId === failing!.id).length, 4);
  });

  it('loses no event when a process is killed mid-load: another one takes its lines over', {
    timeout: 120_000,
  }, async (t) => {
    const { hubs, calls } = await cluster(t, 3);
    let victim: HubProcess | undefined;
    const alive = () => hubs.filter((hub) => hub !== victim);
    // Publishers move to another hub when theirs is the one killed.
    const load = Promise.all(
      [1, 2].map((i) => publishJobs(() => alive()[i % alive().length]!, `k${i}`, 20, { slowMs: 40 })),
    );
    await until(
      () => calls('recorder').length >= 10,
      () => 'work under way',
    );
    // Kill the process doing the most work, mid-event.
    const perPid = new Map<number, number>();
    for (const call of calls('recorder')) perPid.set(call.pid, (perPid.get(call.pid) ?? 0) + 1);
    const busiest = [...perPid].sort((a, b) => b[1] - a[1])[0]![0];
    victim = hubs.find((hub) => hub.child.pid === busiest)!;
    await killHard(victim);
    const accepted = (await load).flat();
    const survivors = alive();
    await until(
      () => new Set(calls('recorder').map((c) => c.eventId)).size === accepted.length,
      () =>
        `all ${accepted.length} events handled after the kill (have ${new Set(calls('recorder').map((c) => c.eventId)).size})`,
      60_000,
    );
    const recorded = calls('recorder');
    const repeats = recorded.length - new Set(recorded.map((c) => c.eventId)).size;
    // At most the event in hand on each line (2 tenants) of the killed process is handled twice.
    assert.ok(repeats <= 2, `${repeats} events handled twice`);
    assert.ok(recorded.some((c) => c.pid !== busiest && survivors.some((hub) => hub.child.pid === c.pid)));
    assertInOrderPerTenant(recorded.filter((c) => c.pid !== busiest));
  });

  it('stops an event storm at the causation limit', { timeout: 60_000 }, async (t) => {
    const { hubs } = await cluster(t, 2, { HUB_MAX_CAUSATION_DEPTH: '5' });
    const root = await gql(
      hubs[0]!.url,
      'mutation($input: PublishEventInput!) { publishEvent(input: $input) { status } }',
      { input: publishInput({ type: 'storm.root.made' }) },
      TEST_KEYS.acme,
    );
    assert.equal(root.data?.publishEvent.status, 'ACCEPTED');
    const storm = () => allEvents<{ id: string }>(hubs[1]!.url, TEST_KEYS.acme, 'id', { types: ['storm.>'] });
    await until(
      async () => (await storm()).length === 6,
      () => 'the root and five echoes',
    );
    await sleep(1500); // the sixth echo was refused; nothing more comes
    assert.equal((await storm()).length, 6);
  });
});
