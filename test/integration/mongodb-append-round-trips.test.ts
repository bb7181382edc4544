// What an append asks of the server before it answers (docs/ARCHITECTURE.md §4): the positions are
// proposed beside the idempotency claims, so a batch waits for three sequential round trips
// whatever its size, and writes two documents per event and two per batch.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MongoClient, type CommandStartedEvent } from 'mongodb';
import { createMongoEventStore } from '../../src/store/mongodb/index.ts';
import { pendingEvent } from '../support/fixtures.ts';
import { testMongo } from '../support/servers.ts';

/** Commands as the driver sends them: when each started and ended, and what it wrote. */
async function monitoredStore(
  t: { after(fn: () => Promise<void>): void },
  url: string,
  dbName: string,
  liveCollectionBytes = 0,
) {
  const client = new MongoClient(url, { monitorCommands: true });
  t.after(() => client.close());
  const spans: { name: string; collection: unknown; start: number; end: number; written: number }[] = [];
  const open = new Map<number, (typeof spans)[number]>();
  client.on('commandStarted', (event: CommandStartedEvent) => {
    const command = event.command as Record<string, unknown>;
    const list = ['documents', 'updates', 'deletes'].map((key) => command[key]).find(Array.isArray);
    const written = event.commandName === 'findAndModify' ? 1 : (list?.length ?? 0);
    const span = {
      name: event.commandName,
      collection: command[event.commandName],
      start: performance.now(),
      end: Number.POSITIVE_INFINITY,
      written,
    };
    spans.push(span);
    open.set(event.requestId, span);
  });
  const ended = ({ requestId }: { requestId: number }) => {
    const span = open.get(requestId);
    if (span) span.end = performance.now();
  };
  client.on('commandSucceeded', ended);
  client.on('commandFailed', ended);
  const store = await createMongoEventStore({
    client,
    dbName,
    idempotencyWindowMs: 86_400_000,
    liveCollectionBytes,
  });
  t.after(() => store.close());
  return { store, spans };
}

/** Round trips one after another: commands that started with none of the others in flight. */
function sequential(spans: readonly { start: number; end: number }[]): number {
  let trips = 0;
  let busyUntil = Number.NEGATIVE_INFINITY;
  for (const { start, end } of spans) {
    if (start > busyUntil) trips++;
    busyUntil = Math.max(busyUntil, end);
  }
  return trips;
}

describe('MongoDB store: what an append waits for', () => {
  for (const size of [1, 50]) {
    it(`answers a batch of ${size} keyed events after three sequential round trips, two documents per event and two per batch`, {
      timeout: 20_000,
    }, async (t) => {
      const mongo = await testMongo(t);
      const { store, spans } = await monitoredStore(t, mongo.url, mongo.dbName);
      await store.append([pendingEvent({ metadata: { idempotencyKey: 'warm-up' } })]); // collections and counters exist
      spans.length = 0;
      const events = Array.from({ length: size }, (_, i) => pendingEvent({ metadata: { idempotencyKey: `k-${i}` } }));
      const outcomes = await store.append(events);
      const answered = spans.filter((s) => s.end !== Number.POSITIVE_INFINITY);
      assert.deepEqual(
        outcomes.map((o) => o.status),
        events.map(() => 'ACCEPTED'),
      );
      assert.equal(answered.length, spans.length, 'a command was still in flight when the append answered');
      assert.equal(sequential(spans), 3, JSON.stringify(spans.map((s) => s.name)));
      assert.equal(
        spans.reduce((sum, s) => sum + s.written, 0),
        2 * size + 2,
      );
    });
  }
});
