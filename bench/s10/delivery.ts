import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { startHub } from '../../src/app.ts';
import { createInProcessEventBus } from '../../src/bus/in-process-event-bus.ts';
import { loadConfig } from '../../src/config.ts';
import { webhookRequest } from '../../src/delivery/delivery-attempt.ts';
import type { HubEvent } from '../../src/events/event.ts';
import { createLogger } from '../../src/logger.ts';
import { createMemoryStorage } from '../../src/storage.ts';
import { handlers as builtInHandlers } from '../../handlers/index.ts';

/**
 * S10 part 1: webhook delivery. N stored events delivered by an embedded hub
 * (memory store) to an unordered endpoint on a loopback receiver that answers
 * 200 at once, against a plain `fetch` loop posting the same signed bodies at
 * the same concurrency, alternated in one run. Both sides share the process
 * with the receiver. See BENCHMARKS.md.
 */
const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '5000' },
    rounds: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '8' },
  },
});
const EVENTS = Number(args.events);
const CONCURRENCY = Number(args.concurrency);
const KEY = 'bench-s10-admin-key-000000001';

let received = 0;
const receiver = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    received += 1;
    res.writeHead(200).end();
  });
});
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

const config = loadConfig({
  PORT: '0',
  LOG_LEVEL: 'silent',
  HUB_API_KEYS: JSON.stringify([{ key: KEY, tenant: 'bench', scopes: ['admin'] }]),
  HUB_WEBHOOK_ALLOW_PRIVATE: 'true',
  HUB_WEBHOOK_CONCURRENCY: String(CONCURRENCY),
  HUB_MAX_BATCH: '1000',
});
const { close: closeStorage, ...storage } = createMemoryStorage(config);
const bus = createInProcessEventBus();
const app = await startHub({ config, ...storage, bus, handlers: builtInHandlers, log: createLogger('silent') });
const { webhooks, ingest, store } = app.services;

// The events, stored once; each hub round sends them to a new endpoint, so each starts from nothing queued.
for (let i = 0; i < EVENTS; i += 1000) {
  const inputs = Array.from({ length: Math.min(1000, EVENTS - i) }, (_, j) => ({
    type: 'order.placed',
    source: { type: 'INTEGRATION', id: 'shop' },
    payload: { n: i + j, sku: 'sku-123', total: 42.5, lines: [{ sku: 'a', qty: 1 }] },
  }));
  await ingest.publish('bench', inputs);
}
const events: HubEvent[] = (
  await store.query('bench', { filter: { query: {}, typePatterns: null }, first: EVENTS, order: 'ASC' })
).events;

async function untilReceived(target: number): Promise<void> {
  while (received < target) await sleep(2);
}

async function hubRound(): Promise<number> {
  received = 0;
  const { endpoint } = await webhooks.create('bench', { url: receiverUrl, ordered: false });
  await webhooks.setStatus('bench', endpoint.id, 'DISABLED');
  const started = performance.now();
  await webhooks.setStatus('bench', endpoint.id, 'ENABLED');
  await untilReceived(EVENTS);
  const ms = performance.now() - started;
  await webhooks.remove('bench', endpoint.id);
  return ms;
}

async function fetchRound(): Promise<number> {
  received = 0;
  const { endpoint } = await webhooks.create('bench', { url: receiverUrl, ordered: false });
  await webhooks.setStatus('bench', endpoint.id, 'DISABLED');
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < events.length) {
        const event = events[next++]!;
        const { headers, body } = webhookRequest(endpoint, event, Date.now());
        const response = await fetch(receiverUrl, { method: 'POST', headers, body });
        await response.arrayBuffer();
      }
    }),
  );
  await untilReceived(EVENTS);
  const ms = performance.now() - started;
  await webhooks.remove('bench', endpoint.id);
  return ms;
}

const rows: { round: number; hub: number; fetch: number }[] = [];
for (let round = 1; round <= Number(args.rounds); round++) {
  const hub = await hubRound();
  const plain = await fetchRound();
  rows.push({ round, hub: (EVENTS * 1000) / hub, fetch: (EVENTS * 1000) / plain });
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
process.stdout.write(
  `S10 part 1: ${EVENTS} deliveries, concurrency ${CONCURRENCY}, alternated\n\n| round | hub deliveries/s | fetch loop posts/s | ratio |\n|---:|---:|---:|---:|\n`,
);
for (const row of rows)
  process.stdout.write(
    `| ${row.round} | ${Math.round(row.hub)} | ${Math.round(row.fetch)} | ${(row.hub / row.fetch).toFixed(2)} |\n`,
  );
const ratio = median(rows.map((row) => row.hub / row.fetch));
process.stdout.write(`\nmedian ratio ${ratio.toFixed(2)} (goal ≥ 0.70)\n`);

await app.close();
await Promise.all([bus.close(), closeStorage()]);
receiver.closeAllConnections();
receiver.close();
