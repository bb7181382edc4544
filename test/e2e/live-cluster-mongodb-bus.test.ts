// Live delivery across three hub processes that share one MongoDB-wire database and have no Redis:
// the bus is the tailable cursor on the store's capped live collection (src/bus/mongodb). A
// subscriber on each process must get every event published on any of them, once, in order.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { gql } from '../support/graphql-client.ts';
import { TEST_KEYS, type HubProcess } from '../support/hub.ts';
import { allEvents, mongoHubs } from '../support/mongo-hubs.ts';

interface Delivered {
  id: string;
  position: number;
}

const FOLLOW = 'subscription($after: String) { events(after: $after) { id position } }';

/** A subscription from position 0 (catch-up, then live) on its own socket, recording deliveries. */
function follow(hub: HubProcess, into: Delivered[]) {
  const client = createClient({
    url: `${hub.url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${TEST_KEYS.acme}` },
    retryAttempts: 0,
  });
  const failures: unknown[] = [];
  client.subscribe<{ events: { id: string; position: string } }>(
    { query: FOLLOW, variables: { after: '0' } },
    {
      next: (result) => {
        if (result.errors) failures.push(result.errors);
        else into.push({ id: result.data!.events.id, position: Number(result.data!.events.position) });
      },
      error: (error) => failures.push(error),
      complete: () => {},
    },
  );
  return { failures, stop: () => client.dispose() };
}

async function publish(hub: HubProcess, label: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const input = { type: `flow.item.${label}`, source: { type: 'INTEGRATION', id: label }, payload: { i } };
    const result = await gql(
      hub.url,
      'mutation($input: PublishEventInput!) { publishEvent(input: $input) { status } }',
      { input },
      TEST_KEYS.acme,
    );
    assert.equal(result.data?.publishEvent.status, 'ACCEPTED', JSON.stringify(result));
    await sleep(Math.random() * 10);
  }
}

async function until(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

describe('live delivery across hub processes on one MongoDB database, without Redis', () => {
  it('gives a subscriber on each of three hubs every event published on any hub, exactly once and in order', {
    timeout: 120_000,
  }, async (t) => {
    const cluster = await mongoHubs(t); // MONGODB_URL only: no REDIS_URL reaches the processes
    const hubs = [await cluster.start(), await cluster.start(), await cluster.start()];
    const inboxes = hubs.map(() => [] as Delivered[]);
    const followers = hubs.map((hub, i) => follow(hub, inboxes[i]!));
    t.after(() => Promise.all(followers.map((f) => f.stop())));

    // One warm-up event: once every subscriber has it, each is past its catch-up and live.
    await publish(hubs[0]!, 'warm', 1);
    await until(() => inboxes.every((inbox) => inbox.length === 1), 'the warm-up event on every hub');
    await Promise.all(hubs.map((hub, i) => publish(hub, `p${i}`, 30)));

    const stored = await allEvents<{ id: string; position: string }>(hubs[0]!.url, TEST_KEYS.acme, 'id position');
    assert.equal(stored.length, 91);
    const expected = stored.map((node) => ({ id: node.id, position: Number(node.position) }));
    for (const [i, inbox] of inboxes.entries()) {
      await until(() => inbox.length >= expected.length, `${expected.length} events on hub ${i}`);
      assert.deepEqual(followers[i]!.failures, []);
      assert.deepEqual(inbox, expected, `hub ${i}: every event once, in position order`);
    }
  });
});
