// Subscription caps: per socket (HUB_MAX_SUBSCRIPTIONS_PER_SOCKET), per tenant and per process, over
// graphql-ws and SSE. A refusal is a coded error for that one subscription; the socket keeps working.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { publishInput } from '../support/fixtures.ts';
import { gql, PUBLISH } from '../support/graphql-client.ts';
import { TEST_KEYS } from '../support/hub.ts';
import { STORE_KINDS, startHubOn, type TestHub } from '../support/store-hubs.ts';

/** Waits for `condition`, failing after `timeoutMs` with `what` (a hang tells nothing). */
async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await sleep(5);
  }
}
import { rawGraphqlWs, type RawGraphqlWs } from '../support/ws-client.ts';

const FOLLOW = 'subscription { events(filter: { types: ["cap.>"] }) { position payload } }';

/** The `error` message graphql-ws sent for subscription `id`, once there is one. */
async function refusalOf(
  socket: RawGraphqlWs,
  id: string,
): Promise<{ message: string; extensions: Record<string, unknown> }> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const found = socket.messages.map((m) => JSON.parse(m)).find((m) => m.id === id && m.type === 'error');
    if (found) return found.payload[0];
    assert.ok(Date.now() < deadline, `no error message for ${id}: ${socket.messages.slice(-3).join(' ')}`);
    await sleep(5);
  }
}

/** An SSE subscription (graphql-sse's distinct-connections mode): its text so far, and how to end it. */
async function sse(url: string, apiKey: string): Promise<{ text(): string; req: ClientRequest }> {
  const target = new URL(`${url}/graphql`);
  const headers = {
    accept: 'text/event-stream',
    'content-type': 'application/json',
    authorization: `Bearer ${apiKey}`,
  };
  const req = request({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers });
  req.end(JSON.stringify({ query: FOLLOW }));
  const [res] = (await once(req, 'response')) as [IncomingMessage];
  let text = '';
  res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  return { text: () => text, req };
}

for (const kind of STORE_KINDS) {
  describe(`subscription caps on ${kind}`, () => {
    const hubs: TestHub[] = [];
    const sockets: RawGraphqlWs[] = [];
    after(async () => {
      for (const socket of sockets) socket.close();
      for (const hub of hubs) await hub.stop();
    });
    const start = async (env: Record<string, string> = {}) => {
      const hub = await startHubOn(kind, env);
      hubs.push(hub);
      return hub;
    };
    const open = async (hub: TestHub, key: string = TEST_KEYS.acme) => {
      const socket = await rawGraphqlWs(hub.url, key);
      sockets.push(socket);
      return socket;
    };
    const live = async (hub: TestHub, count: number) => {
      await until(() => hub.services.live.size === count, `${count} live subscriptions`);
    };
    const publish = (hub: TestHub, n: number, key: string = TEST_KEYS.acme) =>
      gql(hub.url, PUBLISH, { input: publishInput({ type: 'cap.item.made', payload: { n } }) }, key);

    it('refuses the 101st subscription on one socket with TOO_MANY_SUBSCRIPTIONS; the others keep running and a freed place is taken again', async () => {
      const hub = await start();
      const socket = await open(hub);
      for (let id = 1; id <= 101; id++) socket.subscribe(String(id), FOLLOW);
      const refusal = await refusalOf(socket, '101');
      assert.equal(refusal.extensions['code'], 'TOO_MANY_SUBSCRIPTIONS');
      assert.deepEqual([refusal.extensions['scope'], refusal.extensions['limit']], ['socket', 100]);
      await live(hub, 100);

      await publish(hub, 1);
      await socket.waitForNexts('1', 1);
      await socket.waitForNexts('100', 1);

      socket.send({ id: '1', type: 'complete' });
      await live(hub, 99);
      socket.subscribe('102', FOLLOW);
      await live(hub, 100);
      await publish(hub, 2);
      const [frame] = await socket.waitForNexts('102', 1);
      assert.equal(JSON.parse(frame!).payload.data.events.payload.n, 2);
      assert.equal(
        socket.messages.filter((m) => JSON.parse(m).type === 'error').length,
        1,
        'only the 101st was refused',
      );
    });

    it('refuses a tenant past HUB_MAX_SUBSCRIPTIONS_PER_TENANT, counting its SSE streams, while another tenant still subscribes', async () => {
      const hub = await start({ HUB_MAX_SUBSCRIPTIONS_PER_TENANT: '3' });
      const stream = await sse(hub.url, TEST_KEYS.acme);
      after(() => stream.req.destroy());
      const acme = await open(hub);
      acme.subscribe('a', FOLLOW);
      acme.subscribe('b', FOLLOW);
      await live(hub, 3);
      acme.subscribe('c', FOLLOW);
      const refusal = await refusalOf(acme, 'c');
      assert.deepEqual(
        [refusal.extensions['code'], refusal.extensions['scope'], refusal.extensions['limit']],
        ['TOO_MANY_SUBSCRIPTIONS', 'tenant', 3],
      );

      const refusedStream = await sse(hub.url, TEST_KEYS.acme);
      await until(() => refusedStream.text().includes('event: complete'), 'the refused SSE stream completed');
      assert.match(refusedStream.text(), /"code":"TOO_MANY_SUBSCRIPTIONS"/);

      const globex = await open(hub, TEST_KEYS.globex);
      globex.subscribe('g', FOLLOW);
      await live(hub, 4);
      await publish(hub, 1);
      await publish(hub, 2, TEST_KEYS.globex);
      await acme.waitForNexts('a', 1);
      await globex.waitForNexts('g', 1);
    });

    it('refuses past HUB_MAX_SUBSCRIPTIONS in the process, whatever the tenant, and admits again once one ends', async () => {
      const hub = await start({ HUB_MAX_SUBSCRIPTIONS: '2' });
      const acme = await open(hub);
      acme.subscribe('a', FOLLOW);
      const stream = await sse(hub.url, TEST_KEYS.globex);
      await live(hub, 2);
      const globex = await open(hub, TEST_KEYS.globex);
      globex.subscribe('g', FOLLOW);
      const refusal = await refusalOf(globex, 'g');
      assert.deepEqual(
        [refusal.extensions['code'], refusal.extensions['scope'], refusal.extensions['limit']],
        ['TOO_MANY_SUBSCRIPTIONS', 'process', 2],
      );

      stream.req.destroy();
      await live(hub, 1);
      globex.subscribe('g2', FOLLOW);
      await live(hub, 2);
      await publish(hub, 1, TEST_KEYS.globex);
      await globex.waitForNexts('g2', 1);
    });
  });
}
