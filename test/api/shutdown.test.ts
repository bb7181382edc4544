// The graceful shutdown of HubApp.close(): what a client in the middle of something sees.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient as createSseClient } from 'graphql-sse';
import { compileFilter } from '../../src/filter/index.ts';
import { publishInput } from '../support/fixtures.ts';
import { PUBLISH } from '../support/graphql-client.ts';
import { gate } from '../support/gate.ts';
import { startTestHub, TEST_KEYS } from '../support/hub.ts';

/** A raw HTTP/1.1 connection: `send` writes a request; `received` resolves with all the server wrote until it closed. */
async function connection(url: string) {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  let text = '';
  socket.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return {
    send: (request: string) => void socket.write(request),
    /** One string per response. */
    received: async () => {
      await closed;
      return text.split(/(?=HTTP\/1\.1 )/);
    },
  };
}

function post(path: string, body: unknown, apiKey: string): string {
  const text = JSON.stringify(body);
  return `POST ${path} HTTP/1.1\r\nhost: hub\r\ncontent-type: application/json\r\nauthorization: Bearer ${apiKey}\r\ncontent-length: ${Buffer.byteLength(text)}\r\n\r\n${text}`;
}

describe('graceful shutdown', () => {
  it('finishes the publishes under way, answers what comes after them 503, then closes their connections', async () => {
    const hub = await startTestHub();
    const held = gate();
    const append = hub.services.store.append.bind(hub.services.store);
    let atStore = 0;
    hub.services.store.append = async (events) => {
      atStore++;
      await held.hold();
      return append(events);
    };
    // Two clients each in the middle of a publish when the shutdown begins.
    const [first, second] = [await connection(hub.url), await connection(hub.url)];
    for (const [i, client] of [first, second].entries()) {
      client.send(
        post(
          '/graphql',
          { query: PUBLISH, variables: { input: publishInput({ type: `shop.order.placed${i}` }) } },
          TEST_KEYS.acme,
        ),
      );
    }
    while (atStore < 2) await sleep(5);
    let closed = false;
    const closing = hub.close().then(() => (closed = true));
    first.send('GET /readyz HTTP/1.1\r\nhost: hub\r\n\r\n');
    second.send(post('/graphql', { query: '{ events { totalCount } }' }, TEST_KEYS.acme));
    await sleep(100);
    assert.equal(closed, false, 'close() waits for the publishes under way');
    held.release();

    const [published, ready] = await first.received();
    const [publishedToo, refused, ...rest] = await second.received();
    for (const response of [published, publishedToo])
      assert.match(response!, /^HTTP\/1\.1 200[\s\S]*"status":"ACCEPTED"/);
    assert.match(ready!, /^HTTP\/1\.1 503[\s\S]*connection: close[\s\S]*"status":"shutting down"/i);
    assert.match(refused!, /^HTTP\/1\.1 503[\s\S]*connection: close[\s\S]*"code":"UNAVAILABLE"/i);
    assert.deepEqual(rest, []);
    await closing;
    const stored = await hub.services.store.query('acme', { filter: compileFilter(null), first: 10, order: 'ASC' });
    assert.deepEqual(
      stored.events.map((e) => e.type).sort(),
      ['shop.order.placed0', 'shop.order.placed1'],
      'the acknowledged events are stored',
    );
    await hub.stop();
  });

  it('ends SSE streams, so clients resume with `after`, and stops listening', async () => {
    const hub = await startTestHub();
    const client = createSseClient({
      url: `${hub.url}/graphql`,
      headers: { authorization: `Bearer ${TEST_KEYS.acme}` },
      retryAttempts: 0,
    });
    const ended = new Promise<string>((resolve) => {
      client.subscribe(
        { query: 'subscription { events { id } }' },
        { next: () => {}, error: () => resolve('error'), complete: () => resolve('complete') },
      );
    });
    for (let i = 0; i < 300 && hub.services.live.size !== 1; i++) await sleep(10);
    assert.equal(hub.services.live.size, 1);
    await hub.stop(); // would not return while an SSE response stayed open
    assert.ok(['complete', 'error'].includes(await ended));
    await assert.rejects(fetch(`${hub.url}/healthz`), 'no new connections once shut down');
    client.dispose();
  });
});
