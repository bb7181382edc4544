// SIGTERM, black-box: hub processes started as `npm start` starts them, stopped while they work.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { publishInput } from '../support/fixtures.ts';
import { gql, PUBLISH } from '../support/graphql-client.ts';
import { spawnHub, TEST_API_KEYS, TEST_KEYS } from '../support/hub.ts';
import { allEvents, mongoHubs } from '../support/mongo-hubs.ts';
import { recorder } from '../support/recorder.ts';
import { connected, subscribe, wsClient } from '../support/ws-client.ts';

const SHUTDOWN_MS = 5000;

describe('SIGTERM', () => {
  it('during a publish load with open subscriptions: every acknowledged event is stored, sockets close with 1001, the process exits in time', {
    timeout: 90_000,
  }, async (t) => {
    const hubs = await mongoHubs(t, { HUB_SHUTDOWN_MS: String(SHUTDOWN_MS) });
    const hub = await hubs.start();

    const clients = Array.from({ length: 3 }, () => wsClient(hub.url, TEST_KEYS.acme));
    const closeCodes = clients.map(
      (client) =>
        new Promise<number>((resolve) => client.on('closed', (event) => resolve((event as { code: number }).code))),
    );
    const subscriptions = clients.map((client) => {
      const ready = connected(client);
      return {
        sub: subscribe(client, 'subscription { events(filter: { types: ["load.>"] }) { id position } }'),
        ready,
      };
    });
    await Promise.all(subscriptions.map((s) => s.ready));

    // Four publishers until the hub stops answering; each keeps the ids it was told were ACCEPTED.
    const acknowledged: string[] = [];
    let refused = 0;
    const publisher = async (n: number) => {
      for (let i = 0; ; i++) {
        const input = publishInput({ type: 'load.item.made', metadata: { idempotencyKey: `load-${n}-${i}` } });
        const response = await gql(hub.url, PUBLISH, { input }, TEST_KEYS.acme).catch(() => null);
        if (response === null) return; // connection refused or closed: the hub is gone or going
        const event = response.data?.['publishEvent'];
        if (event?.status === 'ACCEPTED') acknowledged.push(event.event.id);
        else refused++; // 503 UNAVAILABLE while it drains
        if (refused > 50) return;
      }
    };
    const load = Promise.all([0, 1, 2, 3].map(publisher));
    while (acknowledged.length < 20) await sleep(20);

    const stopped = Date.now();
    const exit = await hub.stop(SHUTDOWN_MS + 5000);
    const tookMs = Date.now() - stopped;
    await load;
    t.diagnostic(`exited with ${exit} after ${tookMs} ms; ${acknowledged.length} publishes acknowledged`);
    assert.equal(exit, 0, `exit code ${exit}:\n${hub.output().slice(-2000)}`);
    assert.ok(tookMs < SHUTDOWN_MS, `the shutdown took ${tookMs} ms`);
    assert.deepEqual(await Promise.all(closeCodes), [1001, 1001, 1001]);
    assert.match(hub.output(), /"step":"publishes under way"/);

    const next = await hubs.start();
    const stored = new Set(
      (await allEvents<{ id: string }>(next.url, TEST_KEYS.acme, 'id', { types: ['load.>'] })).map((e) => e.id),
    );
    const lost = acknowledged.filter((id) => !stored.has(id));
    assert.deepEqual(lost, [], 'acknowledged events missing after the restart');
    for (const client of clients) await client.dispose();
  });

  it('exits with 1 at HUB_SHUTDOWN_MS when a handler does not finish, and says so', { timeout: 30_000 }, async (t) => {
    const { env: recording, calls } = recorder(t);
    const hub = await spawnHub({
      HUB_API_KEYS: TEST_API_KEYS,
      ...recording,
      HUB_SHUTDOWN_MS: '1000',
    });
    t.after(() => hub.stop(0));
    // The recorder sleeps through its abort signal: a handler that ignores it.
    const published = await gql(
      hub.url,
      PUBLISH,
      { input: publishInput({ type: 'job.stuck.run', payload: { slowMs: 60_000 } }) },
      TEST_KEYS.acme,
    );
    assert.equal(published.data?.['publishEvent'].status, 'ACCEPTED');
    for (const deadline = Date.now() + 10_000; calls().length === 0; await sleep(50)) {
      if (Date.now() > deadline) assert.fail('the handler never started');
    }
    const stopped = Date.now();
    const exit = await hub.stop(10_000);
    const tookMs = Date.now() - stopped;
    assert.equal(exit, 1);
    assert.ok(tookMs >= 1000 && tookMs < 5000, `exited after ${tookMs} ms`);
    assert.match(hub.output(), /shutdown did not finish within HUB_SHUTDOWN_MS/);
  });
});
