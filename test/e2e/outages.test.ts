// Riding out outages, black-box: two hub processes on a FerretDB and a Redis of this file's own,
// which the tests kill and restart while clients publish, query and subscribe.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { inspect } from 'node:util';
import { publishInput } from '../support/fixtures.ts';
import { gql, PUBLISH } from '../support/graphql-client.ts';
import { spawnHub, TEST_API_KEYS, TEST_KEYS, type HubProcess } from '../support/hub.ts';
import { allEvents } from '../support/mongo-hubs.ts';
import { ownMongoWire, type OwnMongoWire } from '../support/own-mongo-wire.ts';
import { ownRedis, type OwnRedis } from '../support/own-redis.ts';
import { connected, subscribeFromStart, wsClient, type TestSubscription } from '../support/ws-client.ts';

interface Setup {
  hubs: [HubProcess, HubProcess];
  mongo: OwnMongoWire;
  redis: OwnRedis;
  /** A websocket subscriber of `out.>` on the second hub, and how often its socket closed. */
  subscriber: { sub: TestSubscription; closes: () => number };
}

async function setup(t: TestContext): Promise<Setup> {
  const [mongo, redis] = await Promise.all([ownMongoWire(t), ownRedis(t)]);
  // MONGODB_TIMEOUT_MS: a request during the outage answers UNAVAILABLE after 2 s rather than 10.
  const env = {
    MONGODB_URL: mongo.url,
    MONGODB_DB: 'outages',
    REDIS_URL: redis.url,
    HUB_API_KEYS: TEST_API_KEYS,
    MONGODB_TIMEOUT_MS: '2000',
  };
  const hubs: [HubProcess, HubProcess] = [await spawnHub(env), await spawnHub(env)];
  t.after(() => Promise.all(hubs.map((hub) => hub.stop())));
  const client = wsClient(hubs[1].url, TEST_KEYS.acme);
  let closes = 0;
  client.on('closed', () => closes++);
  const ready = connected(client);
  // From the start of the fresh store: the first publish is caught up if it comes before the subscription is live.
  const sub = subscribeFromStart(client, 'out.>', 'id position');
  await ready;
  t.after(() => client.dispose());
  return { hubs, mongo, redis, subscriber: { sub, closes: () => closes } };
}

/** Publishes on `hub` and returns the outcome: the event id, or the error code. */
async function publish(hub: HubProcess, key: string): Promise<{ id?: string; code?: string }> {
  const response = await gql(
    hub.url,
    PUBLISH,
    { input: publishInput({ type: 'out.item.made', metadata: { idempotencyKey: key } }) },
    TEST_KEYS.acme,
  );
  const event = response.data?.['publishEvent'];
  if (event?.status === 'ACCEPTED' || event?.status === 'DUPLICATE')
    return { id: event.event?.id ?? event.originalEventId };
  return { code: String(response.errors?.[0]?.extensions?.['code']) };
}

/** Polls /readyz every 100 ms until it answers `status`; resolves with how long that took and the body. */
async function readyz(hub: HubProcess, status: number, timeoutMs: number): Promise<{ ms: number; down: string[] }> {
  const started = Date.now();
  for (;;) {
    const response = await fetch(`${hub.url}/readyz`).catch(() => null);
    if (response?.status === status)
      return { ms: Date.now() - started, down: ((await response.json()) as { down: string[] }).down };
    await response?.body?.cancel();
    if (Date.now() - started > timeoutMs)
      assert.fail(`/readyz of ${hub.url} did not answer ${status} within ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** Waits until the subscriber holds exactly `ids`, in position order, once each. */
async function receives(subscriber: Setup['subscriber'], ids: readonly string[], hub: HubProcess): Promise<void> {
  try {
    await subscriber.sub.waitFor(ids.length, 30_000);
  } catch (error) {
    // Say what the store holds, so a delivery that stalls explains itself (a hole, a position out of place).
    const stored = await allEvents<{ id: string; position: string }>(hub.url, TEST_KEYS.acme, 'id position').catch(
      (cause: unknown) => String(cause),
    );
    // …and whether the subscription ended, and how (an already ended one wins the race).
    const ended = await Promise.race([subscriber.sub.ended, Promise.resolve('still open')]);
    throw new Error(`${String(error)}; the store holds ${JSON.stringify(stored)}; the subscription: ${inspect(ended)}`);
  }
  await sleep(300); // a repeat would arrive by now
  const received = subscriber.sub.received.map((r) => r.data?.['events'] as { id: string; position: string });
  assert.deepEqual(
    received.map((e) => e.id),
    ids,
  );
  const positions = received.map((e) => BigInt(e.position));
  assert.ok(
    positions.every((p, i) => i === 0 || p > positions[i - 1]!),
    'in position order',
  );
  assert.equal(subscriber.closes(), 0, 'the subscriber never had to reconnect');
}

describe('outages (two hub processes on FerretDB + Redis)', () => {
  it('Redis down: /readyz 503 within 2 s, publishes still succeed, subscribers catch up when it returns', {
    timeout: 120_000,
  }, async (t) => {
    const { hubs, redis, subscriber } = await setup(t);
    const [a, b] = hubs;
    const probe = await publish(a, 'before');
    await subscriber.sub.waitFor(1, 10_000); // live across instances

    await redis.crash();
    for (const hub of hubs) {
      const { ms, down } = await readyz(hub, 503, 2000);
      assert.deepEqual(down, ['bus']);
      t.diagnostic(`${hub.url} /readyz 503 after ${ms} ms`);
    }
    const during = [await publish(a, 'during-1'), await publish(b, 'during-2'), await publish(a, 'during-3')];
    assert.ok(
      during.every((r) => r.id),
      `publishes during the Redis outage: ${JSON.stringify(during)}`,
    );

    await redis.restart();
    for (const hub of hubs) await readyz(hub, 200, 30_000);
    const after = await publish(a, 'after');
    assert.ok(after.id);
    await receives(
      subscriber,
      [probe, ...during, after].map((r) => r.id!),
      hubs[1],
    );
  });

  it('MongoDB down: /readyz 503 within 2 s, UNAVAILABLE and nothing half-written, everything resumes without a restart', {
    timeout: 120_000,
  }, async (t) => {
    const { hubs, mongo, subscriber } = await setup(t);
    const [a, b] = hubs;
    const probe = await publish(a, 'before');
    await subscriber.sub.waitFor(1, 10_000);

    await mongo.crash();
    for (const hub of hubs) {
      const { ms, down } = await readyz(hub, 503, 2000);
      assert.deepEqual(down, ['store']);
      t.diagnostic(`${hub.url} /readyz 503 after ${ms} ms`);
    }
    const refused = [await publish(a, 'during-1'), await publish(b, 'during-2')];
    assert.deepEqual(refused, [{ code: 'UNAVAILABLE' }, { code: 'UNAVAILABLE' }]);
    const query = await gql(b.url, '{ events { edges { cursor } } }', {}, TEST_KEYS.acme);
    assert.equal(query.errors?.[0]?.extensions?.['code'], 'UNAVAILABLE');

    await mongo.restart();
    for (const hub of hubs) await readyz(hub, 200, 30_000);
    // The clients send the refused publishes again, with the same keys: each is stored once.
    const retried = [await publish(a, 'during-1'), await publish(b, 'during-2'), await publish(b, 'during-2')];
    assert.ok(
      retried.every((r) => r.id),
      JSON.stringify(retried),
    );
    assert.equal(retried[1]!.id, retried[2]!.id);
    const acknowledged = [probe.id!, retried[0]!.id!, retried[1]!.id!];

    await receives(subscriber, acknowledged, b);
    const stored = await allEvents<{ id: string }>(b.url, TEST_KEYS.acme, 'id', { types: ['out.>'] });
    assert.deepEqual(
      stored.map((e) => e.id),
      acknowledged,
      'every acknowledged event stored once, nothing from the refused attempts',
    );
  });
});
