// A client that stops reading costs the hub at most its connection's byte budget
// (HUB_SOCKET_BUFFER_BYTES), however many subscriptions it holds: past it, every subscription on the
// connection ends with SLOW_CONSUMER and the position it resumes from without losing anything.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request, type IncomingMessage } from 'node:http';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { publishInput } from '../support/fixtures.ts';
import { gql } from '../support/graphql-client.ts';
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
import WebSocket from 'ws';
import { rawGraphqlWs, subscribe, wsClient } from '../support/ws-client.ts';

const FOLLOW =
  'subscription($after: String) { events(filter: { types: ["bulk.>"] }, after: $after) { position payload } }';
const PUBLISH_ONE = 'mutation($input: PublishEventInput!) { publishEvent(input: $input) { event { position } } }';
const FILLER = 'x'.repeat(200 * 1024);
const BUDGET = 8 * 1_048_576;
const SUBSCRIPTIONS = 500;

interface Result {
  data?: { events: { position: string; payload: { n: number } } } | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

/** The results one subscription received, and its SLOW_CONSUMER error: it received every event up to `after`, and nothing past it. */
function assertEndedWithResumePosition(results: Result[], firstPosition: number): string {
  const received = results.filter((r) => r.data).map((r) => r.data!.events);
  const error = results.at(-1)?.errors?.[0];
  assert.equal(error?.extensions?.['code'], 'SLOW_CONSUMER', JSON.stringify(error));
  const resume = String(error!.extensions!['after']);
  assert.deepEqual(
    received.map((e) => Number(e.position)),
    Array.from({ length: received.length }, (_, i) => firstPosition + i),
  );
  assert.equal(resume, received.at(-1)?.position ?? String(firstPosition - 1));
  return resume;
}

for (const kind of STORE_KINDS) {
  describe(`connection byte budgets on ${kind}`, () => {
    const hubs: TestHub[] = [];
    after(async () => {
      for (const hub of hubs) await hub.stop();
    });
    const start = async (env: Record<string, string>) => {
      const hub = await startHubOn(kind, env);
      hubs.push(hub);
      return hub;
    };
    const publish = async (
      hub: TestHub,
      n: number,
      type = 'bulk.item.made',
      filler: object = { filler: FILLER },
    ): Promise<number> => {
      const input = publishInput({ type, payload: { n, ...filler } });
      const result = await gql(hub.url, PUBLISH_ONE, { input }, TEST_KEYS.acme);
      assert.equal(result.errors, undefined, JSON.stringify(result.errors));
      return Number(result.data!['publishEvent'].event.position);
    };

    it('ends 500 subscriptions of a socket that stops reading with SLOW_CONSUMER and their resume positions, holding about the budget', {
      timeout: 120_000,
    }, async (t) => {
      const hub = await start({ HUB_MAX_SUBSCRIPTIONS_PER_SOCKET: '1000' });
      // Warm up what a publish and a delivery allocate once per process, so that RSS then shows what the socket holds.
      for (let n = 0; n < 3; n++) await publish(hub, n, 'warm.up');
      const socket = await rawGraphqlWs(hub.url, TEST_KEYS.acme);
      t.after(() => socket.close());
      for (let id = 0; id < SUBSCRIPTIONS; id++) socket.subscribe(String(id), FOLLOW);
      await until(() => hub.services.live.size === SUBSCRIPTIONS, 'every subscription live');
      await publish(hub, -1, 'bulk.warm.up', {});
      await until(() => socket.messages.length === SUBSCRIPTIONS + 1, 'the warm-up event on every subscription');

      socket.tcp.pause();
      const before = process.memoryUsage().rss;
      let peak = before;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 2);
      t.after(() => clearInterval(sampler));
      const first = await publish(hub, 0);
      for (let n = 1; n < 10; n++) await publish(hub, n);
      peak = Math.max(peak, process.memoryUsage().rss);
      clearInterval(sampler);
      const growth = peak - before;
      assert.ok(growth < BUDGET + 40 * 1_048_576, `RSS grew by ${Math.round(growth / 1_048_576)} MB`);
      // Every subscription of the socket ended on the server, freeing what it held.
      await until(() => hub.services.live.size === 0, 'every subscription of the socket ended');

      socket.tcp.resume();
      const completes = () => socket.messages.filter((m) => m.length < 200 && m.includes('"type":"complete"')).length;
      await until(() => completes() === SUBSCRIPTIONS, 'every subscription completed', 60_000);
      const results = new Map<string, Result[]>();
      for (const { id, type, payload } of socket.messages.map((m) => JSON.parse(m))) {
        if (type === 'next') results.set(id, [...(results.get(id) ?? []), payload]);
      }
      const resumes = new Map<string, string>();
      for (let id = 0; id < SUBSCRIPTIONS; id++)
        resumes.set(String(id), assertEndedWithResumePosition(results.get(String(id))!.slice(1), first));

      // Resuming from the position in the error gives exactly the events it missed.
      const [id, resume] = [...resumes].sort(([, a], [, b]) => Number(a) - Number(b))[0]!;
      const client = wsClient(hub.url, TEST_KEYS.acme);
      t.after(() => client.dispose());
      const missed = first + 9 - Number(resume);
      const rest = await subscribe(client, FOLLOW, { after: resume }).waitFor(missed, 20_000);
      assert.deepEqual(
        rest.map((r) => Number(r.data?.['events'].position)),
        Array.from({ length: missed }, (_, i) => Number(resume) + 1 + i),
        `resumed ${id}`,
      );
    });

    it('cuts off a socket that keeps sending while it leaves more than its budget unread', {
      timeout: 60_000,
    }, async (t) => {
      const hub = await start({ HUB_SOCKET_BUFFER_BYTES: String(1_048_576) });
      const socket = new WebSocket(`${hub.url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
      t.after(() => socket.terminate());
      await once(socket, 'open');
      const closed = once(socket, 'close');
      const tcp = (socket as unknown as { _socket: import('node:net').Socket })._socket;
      tcp.pause();
      // Each ping's payload comes back in a pong: 400 KB answered per 400 KB sent, and none of it read.
      const ping = JSON.stringify({ type: 'ping', payload: { filler: 'p'.repeat(400 * 1024) } });
      for (let i = 0; i < 40 && socket.readyState === WebSocket.OPEN; i++) {
        socket.send(ping);
        await sleep(20);
      }
      tcp.resume();
      const [code] = await closed;
      assert.equal(code, 1006, 'terminated, not closed with a handshake it would not read');
    });

    it('ends an SSE stream that stops reading with SLOW_CONSUMER once it holds its budget, long before its event buffer is full', {
      timeout: 60_000,
    }, async (t) => {
      const hub = await start({ HUB_SOCKET_BUFFER_BYTES: String(2 * 1_048_576) });
      const target = new URL(`${hub.url}/graphql`);
      const headers = {
        accept: 'text/event-stream',
        'content-type': 'application/json',
        authorization: `Bearer ${TEST_KEYS.acme}`,
      };
      const req = request({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers });
      t.after(() => req.destroy());
      req.end(JSON.stringify({ query: FOLLOW }));
      const [res] = (await once(req, 'response')) as [IncomingMessage];
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      await until(() => hub.services.live.size === 1, 'the SSE subscription live');

      res.pause();
      let first = 0;
      // HUB_SUBSCRIPTION_BUFFER is 1000 events: only the byte budget can end it within 200.
      for (let n = 0; n < 200 && hub.services.live.size > 0; n++) {
        const position = await publish(hub, n);
        first ||= position;
      }
      assert.equal(hub.services.live.size, 0, 'the stream was not ended within 200 events of 200 KB');

      res.resume();
      await until(() => text.includes('event: complete'), 'the SSE stream completed');
      const results = text
        .split('\n\n')
        .filter((block) => block.startsWith('event: next'))
        .map((block) => JSON.parse(block.slice(block.indexOf('data: ') + 6)) as Result);
      assertEndedWithResumePosition(results, first);
    });
  });
}
