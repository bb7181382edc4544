// Live delivery across three hub processes on the MongoDB-wire server and Redis (issue 5): events
// published on one instance reach subscribers on the others, and a client that drops and resumes
// with `after` ends up with every matching stored event once, in position order, also across a
// Redis restart. Redis is this file's own, so restarting it disturbs no other test.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { gql } from '../support/graphql-client.ts';
import { TEST_KEYS, type HubProcess } from '../support/hub.ts';
import { allEvents, mongoHubs } from '../support/mongo-hubs.ts';
import { ownRedis, type OwnRedis } from '../support/own-redis.ts';

interface Delivered {
  id: string;
  position: number;
  type: string;
}

const FOLLOW = `subscription($after: String) {
  events(filter: { types: ["flow.item.*"] }, after: $after) { id position type tenantId }
}`;

async function startCluster(t: TestContext, redis: OwnRedis, size: number): Promise<HubProcess[]> {
  const cluster = await mongoHubs(t, { REDIS_URL: redis.url });
  return Promise.all(Array.from({ length: size }, () => cluster.start()));
}

function socketTo(hub: HubProcess, apiKey: string): Client {
  return createClient({
    url: `${hub.url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${apiKey}` },
    retryAttempts: 0,
  });
}

/**
 * One subscription on its own socket, recording deliveries until `stop()` (which closes the
 * socket: a disconnect, as far as the hub can tell). Fails the test on an error result.
 */
function follow(hub: HubProcess, after: number, into: Delivered[], apiKey: string = TEST_KEYS.acme) {
  const client = socketTo(hub, apiKey);
  let open = true;
  const ended = new Promise<void>((resolve, reject) => {
    client.subscribe<{ events: { id: string; position: string; type: string; tenantId: string } }>(
      { query: FOLLOW, variables: { after: String(after) } },
      {
        next: (result) => {
          if (!open) return;
          if (result.errors) return reject(new Error(`subscription error: ${JSON.stringify(result.errors)}`));
          const event = result.data!.events;
          assert.equal(event.tenantId, 'acme');
          into.push({ id: event.id, position: Number(event.position), type: event.type });
        },
        error: (error) =>
          open ? reject(error instanceof Error ? error : new Error(JSON.stringify(error))) : resolve(),
        complete: () => resolve(),
      },
    );
  });
  ended.catch(() => {}); // read through `ended` by whoever waits; an early failure must not go unhandled
  return {
    ended,
    async stop() {
      open = false;
      await client.dispose();
    },
  };
}

/** Publishes `count` events on `hub`, mixing matching and other types, and a few of another tenant. */
async function publishLoad(hub: HubProcess, label: string, count: number, pauseMs: () => number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const type = i % 4 === 3 ? 'flow.other.skipped' : `flow.item.${label}`;
    const input = { type, source: { type: 'INTEGRATION', id: label }, payload: { i } };
    const key = i % 10 === 9 ? TEST_KEYS.globex : TEST_KEYS.acme;
    const result = await gql(
      hub.url,
      'mutation($input: PublishEventInput!) { publishEvent(input: $input) { status } }',
      { input },
      key,
    );
    assert.equal(result.data?.publishEvent.status, 'ACCEPTED', JSON.stringify(result));
    await sleep(pauseMs());
  }
}

/** Every stored matching acme event, ascending, through the query API of `hub`. */
async function storedMatching(hub: HubProcess): Promise<Delivered[]> {
  const nodes = await allEvents<{ id: string; position: string; type: string }>(
    hub.url,
    TEST_KEYS.acme,
    'id position type',
    { types: ['flow.item.*'] },
  );
  return nodes.map((node) => ({ id: node.id, position: Number(node.position), type: node.type }));
}

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

/** Positions strictly increasing: in order, none twice. */
function assertAscending(events: readonly Delivered[], who: string): void {
  for (let i = 1; i < events.length; i++) {
    assert.ok(
      events[i]!.position > events[i - 1]!.position,
      `${who}: position ${events[i]!.position} after ${events[i - 1]!.position} at index ${i}`,
    );
  }
}

/**
 * A client that keeps dropping its socket at random moments and resuming on a random instance
 * with `after` = the last position it received, until `done()` says to stop.
 */
async function flakyFollower(hubs: HubProcess[], into: Delivered[], done: () => boolean): Promise<number> {
  let resumes = 0;
  while (!done()) {
    const hub = hubs[Math.floor(Math.random() * hubs.length)]!;
    const subscription = follow(hub, into.at(-1)?.position ?? 0, into);
    await Promise.race([sleep(40 + Math.random() * 250), subscription.ended]);
    await subscription.stop();
    await subscription.ended;
    resumes += 1;
  }
  return resumes;
}

describe('live delivery across hub instances (MongoDB-wire + Redis)', () => {
  it('delivers events published on the other instances to a subscriber on one, and only its tenant’s matching ones', {
    timeout: 60_000,
  }, async (t) => {
    const redis = await ownRedis(t);
    const hubs = await startCluster(t, redis, 3);
    const seen: Delivered[] = [];
    const subscription = follow(hubs[0]!, 0, seen);
    t.after(() => subscription.stop());
    // Once the first event is in, the subscription is past catch-up; later ones come over Redis.
    await publishLoad(hubs[1]!, 'warm', 1, () => 0);
    await until(() => seen.length === 1, 'the warm-up event');
    await Promise.all([publishLoad(hubs[1]!, 'b', 12, () => 5), publishLoad(hubs[2]!, 'c', 12, () => 5)]);

    const stored = await storedMatching(hubs[0]!);
    await until(() => seen.length === stored.length, `${stored.length} events on instance 0`);
    assert.deepEqual(seen, stored);
    assert.ok(stored.some((e) => e.type === 'flow.item.b') && stored.some((e) => e.type === 'flow.item.c'));
  });

  it('gives a client that drops and resumes at random every matching event once, in order, while all instances publish', {
    timeout: 90_000,
  }, async (t) => {
    const redis = await ownRedis(t);
    const hubs = await startCluster(t, redis, 3);
    const received: Delivered[] = [];
    let publishing = true;
    const follower = flakyFollower(hubs, received, () => !publishing);
    await Promise.all(hubs.map((hub, i) => publishLoad(hub, `p${i}`, 40, () => Math.random() * 15)));
    publishing = false;
    const resumes = await follower;

    const stored = await storedMatching(hubs[0]!);
    assert.ok(resumes >= 3, `only ${resumes} resumes`);
    // Whatever arrived after the last disconnect is picked up by one last resume.
    const last = follow(hubs[1]!, received.at(-1)?.position ?? 0, received);
    await until(() => received.length >= stored.length, `${stored.length} events`);
    await last.stop();
    assertAscending(received, 'resuming client');
    assert.deepEqual(received, stored);
  });

  it('keeps both a connected and a resuming client complete across a Redis restart, and logs the catch-up', {
    timeout: 90_000,
  }, async (t) => {
    const redis = await ownRedis(t);
    const hubs = await startCluster(t, redis, 3);
    const steady: Delivered[] = [];
    const connected = follow(hubs[2]!, 0, steady);
    t.after(() => connected.stop());
    const resuming: Delivered[] = [];
    let publishing = true;
    const follower = flakyFollower(hubs, resuming, () => !publishing);

    const load = Promise.all(hubs.map((hub, i) => publishLoad(hub, `r${i}`, 45, () => 5 + Math.random() * 15)));
    await until(() => steady.length >= 20, 'traffic before the restart');
    // Publishes go on (store first, the bus failure is only logged) and end while Redis is down,
    // so nothing published after the restart can reveal what the connected client missed.
    await redis.crash();
    await load;
    publishing = false;
    await follower;
    await redis.restart();

    const stored = await storedMatching(hubs[0]!);
    await until(
      () => steady.length >= stored.length,
      `${stored.length} events on the connected client (has ${steady.length})`,
    );
    assertAscending(steady, 'connected client');
    assert.deepEqual(steady, stored);

    const last = follow(hubs[0]!, resuming.at(-1)?.position ?? 0, resuming);
    await until(() => resuming.length >= stored.length, `${stored.length} events on the resuming client`);
    await last.stop();
    assertAscending(resuming, 'resuming client');
    assert.deepEqual(resuming, stored);

    // Each instance reconnects on its own backoff (up to 2 s), not necessarily before the clients are done.
    for (const hub of hubs) {
      await until(
        () => /bus live again; catching up live subscriptions from the store/.test(hub.output()),
        'the catch-up in every instance’s log',
      );
    }
  });
});
