// A client that stops reading, over graphql-ws or SSE: the kernel buffers fill, the hub stops pulling
// its stream, the subscription's bounded buffer overflows and the hub ends that subscription with
// SLOW_CONSUMER and the position to resume from. Another subscriber gets everything meanwhile.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request, type IncomingMessage } from 'node:http';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { publishInput } from '../support/fixtures.ts';
import { gql } from '../support/graphql-client.ts';
import { startTestHub, TEST_KEYS } from '../support/hub.ts';
import { subscribe, wsClient } from '../support/ws-client.ts';

const BUFFER = 20;
const EVENTS = 240;
/** 64 KB per event: 15 MB in all, more than loopback socket buffers hold, so the writer has to wait. */
const FILLER = 'x'.repeat(64 * 1024);
const FOLLOW =
  'subscription($after: String) { events(filter: { types: ["bulk.item.*"] }, after: $after) { position payload } }';

/** One GraphQL execution result of the slow subscription. */
interface Result {
  data?: { events: { position: string; payload: { n: number } } };
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

/** A subscription whose reading the test switches off and on; `results` fills while it reads. */
interface RawSubscriber {
  results: Result[];
  /** Whether the server has ended the subscription (complete) as far as read so far. */
  completed(): boolean;
  stopReading(): void;
  startReading(): void;
  close(): void;
}

/** graphql-transport-ws by hand, so the test controls when the client reads. */
async function wsSubscriber(url: string): Promise<RawSubscriber> {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
  const messages: { type: string; id?: string; payload?: Result }[] = [];
  socket.on('message', (data) => messages.push(JSON.parse(String(data))));
  await once(socket, 'open');
  socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${TEST_KEYS.acme}` } }));
  while (!messages.some((m) => m.type === 'connection_ack')) await sleep(5);
  socket.send(JSON.stringify({ id: 'slow', type: 'subscribe', payload: { query: FOLLOW } }));
  const tcp = (socket as unknown as { _socket: import('node:net').Socket })._socket;
  const results: Result[] = [];
  return {
    get results() {
      results.splice(
        0,
        results.length,
        ...messages.filter((m) => m.id === 'slow' && m.type === 'next').map((m) => m.payload!),
      );
      return results;
    },
    completed: () => messages.some((m) => m.id === 'slow' && m.type === 'complete'),
    stopReading: () => tcp.pause(),
    startReading: () => tcp.resume(),
    close: () => socket.terminate(),
  };
}

/** SSE (graphql-sse's distinct-connections mode) by hand: one POST whose response is the stream. */
async function sseSubscriber(url: string): Promise<RawSubscriber> {
  const target = new URL(`${url}/graphql`);
  const headers = {
    accept: 'text/event-stream',
    'content-type': 'application/json',
    authorization: `Bearer ${TEST_KEYS.acme}`,
  };
  const req = request({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers });
  req.end(JSON.stringify({ query: FOLLOW }));
  const [res] = (await once(req, 'response')) as [IncomingMessage];
  let text = '';
  res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  const events = () => text.split('\n\n').filter((block) => block.includes('event: '));
  return {
    get results() {
      return events()
        .filter((block) => block.startsWith('event: next'))
        .map((block) => JSON.parse(block.slice(block.indexOf('data: ') + 6)) as Result);
    },
    completed: () => events().some((block) => block.startsWith('event: complete')),
    stopReading: () => res.pause(),
    startReading: () => res.resume(),
    close: () => req.destroy(),
  };
}

const TRANSPORTS = { 'graphql-ws': wsSubscriber, SSE: sseSubscriber };

describe('slow consumers', () => {
  for (const [transport, rawSubscriber] of Object.entries(TRANSPORTS)) {
    it(`ends a subscriber that stops reading over ${transport} with SLOW_CONSUMER and a resume position; others get every event`, {
      timeout: 60_000,
    }, async (t) => {
      const hub = await startTestHub({ HUB_SUBSCRIPTION_BUFFER: String(BUFFER), HUB_MAX_BATCH: '20' });
      t.after(() => hub.stop());
      const slow = await rawSubscriber(hub.url);
      t.after(() => slow.close());
      const healthy = wsClient(hub.url, TEST_KEYS.acme);
      t.after(() => healthy.dispose());
      const keepingUp = subscribe(healthy, FOLLOW);
      while (hub.services.live.size < 2) await sleep(5);

      slow.stopReading();
      for (let batch = 0; batch < EVENTS / 20; batch++) {
        const input = Array.from({ length: 20 }, (_, i) =>
          publishInput({ type: 'bulk.item.made', payload: { n: batch * 20 + i, filler: FILLER } }),
        );
        const result = await gql(
          hub.url,
          'mutation($input: [PublishEventInput!]!) { publishEvents(input: $input) { status } }',
          { input },
          TEST_KEYS.acme,
        );
        assert.equal(result.errors, undefined, JSON.stringify(result.errors));
      }

      // The subscriber that keeps reading is not held back by the one that does not.
      const all = await keepingUp.waitFor(EVENTS, 20_000);
      assert.deepEqual(
        all.map((r) => r.data?.['events'].payload.n),
        Array.from({ length: EVENTS }, (_, n) => n),
      );
      // The slow subscription was ended on the server, freeing its buffer.
      while (hub.services.live.size > 1) await sleep(5);

      slow.startReading();
      while (!slow.completed()) await sleep(5);
      const results = slow.results;
      const received = results.filter((r) => r.data).map((r) => r.data!.events);
      const error = results.find((r) => r.errors)?.errors?.[0];
      assert.equal(error?.extensions?.['code'], 'SLOW_CONSUMER');
      assert.match(error!.message, /resume with after/);
      assert.ok(received.length < EVENTS, `the slow client got all ${received.length} events`);
      assert.deepEqual(
        received.map((e) => e.payload.n),
        Array.from({ length: received.length }, (_, n) => n),
      );
      const resumeAfter = String(error!.extensions!['after']);
      assert.equal(resumeAfter, received.at(-1)?.position ?? resumeAfter);

      // Resuming from the position in the error gives exactly the events it missed.
      const again = wsClient(hub.url, TEST_KEYS.acme);
      t.after(() => again.dispose());
      const rest = await subscribe(again, FOLLOW, { after: resumeAfter }).waitFor(EVENTS - received.length, 20_000);
      assert.deepEqual(
        [...received.map((e) => e.payload.n), ...rest.map((r) => r.data?.['events'].payload.n)],
        Array.from({ length: EVENTS }, (_, n) => n),
      );
    });
  }
});
