// Every event the hub writes itself obeys HUB_MAX_EVENT_BYTES: audit records bound what they copy from
// the request, and publishInternal refuses whatever would still be larger.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { boundedJson } from '../../src/audit/bounded-fields.ts';
import { createInProcessEventBus } from '../../src/bus/in-process-event-bus.ts';
import { createIngest } from '../../src/ingest/ingest.ts';
import { createLogger } from '../../src/logger.ts';
import { createMemoryEventStore } from '../../src/store/memory-event-store.ts';
import { pendingEvent } from '../support/fixtures.ts';
import { gql } from '../support/graphql-client.ts';
import { TEST_KEYS } from '../support/hub.ts';
import { startHubOn, STORE_KINDS, type TestHub } from '../support/store-hubs.ts';
import { storedEvents } from '../support/stored-events.ts';

const MAX_EVENT_BYTES = 6_000;
const START = 'mutation($input: StartReplayInput!) { startReplay(input: $input) { id } }';

/** A filter the hub accepts (within HUB_MAX_FILTER_BYTES) that is over twice HUB_MAX_EVENT_BYTES: long type names and long where values. */
function hugeFilter(): Record<string, unknown> {
  const types = Array.from({ length: 20 }, (_, i) => `huge${i}.${'t'.repeat(120)}.${'u'.repeat(100)}`);
  const where = Array.from({ length: 8 }, (_, i) => ({ path: `payload.field${i}`, op: 'EQ', value: 'v'.repeat(1000) }));
  return { types, where };
}

for (const kind of STORE_KINDS) {
  describe(`hub-written events on ${kind} with HUB_MAX_EVENT_BYTES=${MAX_EVENT_BYTES}`, () => {
    let hub: TestHub;
    before(async () => (hub = await startHubOn(kind, { HUB_MAX_EVENT_BYTES: String(MAX_EVENT_BYTES) })));
    after(() => hub.stop());

    it('records dry runs of a replay with a huge filter within the limit, the filter cut and its size kept', async () => {
      const filter = hugeFilter();
      const filterBytes = Buffer.byteLength(JSON.stringify(filter));
      assert.ok(filterBytes > 2 * MAX_EVENT_BYTES);
      for (let i = 0; i < 5; i++) {
        const started = await gql(
          hub.url,
          START,
          { input: { filter, target: 'REPUBLISH', dryRun: true } },
          TEST_KEYS.acme,
        );
        assert.equal(started.errors, undefined, JSON.stringify(started.errors));
      }
      const requested = await storedEvents(hub, 'acme', ['system.replay.requested'], 5);
      assert.equal(requested.length, 5);
      for (const event of requested) {
        assert.ok(
          Buffer.byteLength(JSON.stringify(event)) <= MAX_EVENT_BYTES,
          `a ${Buffer.byteLength(JSON.stringify(event))}-byte audit event`,
        );
        const cut = event.payload['filter'] as { truncated: boolean; bytes: number; excerpt: string };
        assert.equal(cut.truncated, true);
        assert.ok(cut.bytes >= filterBytes, 'the original size is kept'); // the stored filter may carry defaults the input left out
        assert.ok(
          JSON.stringify(filter).startsWith(cut.excerpt.slice(0, 100)),
          'the excerpt is the filter’s beginning',
        );
      }
    });
  });
}

describe('publishInternal', () => {
  it('refuses an event over HUB_MAX_EVENT_BYTES with PAYLOAD_TOO_LARGE and stores the others of the call', async () => {
    const store = createMemoryEventStore({ idempotencyWindowMs: 60_000 });
    const ingest = createIngest({
      store,
      bus: createInProcessEventBus(),
      log: createLogger('silent'),
      maxEventBytes: 2000,
      maxBatch: 10,
    });
    const big = pendingEvent({ type: 'system.replay.requested', payload: { filter: 'x'.repeat(3000) } });
    const small = pendingEvent({ type: 'system.replay.requested', payload: { filter: 'x' } });
    const [refused, stored] = await ingest.publishInternal([big, small]);
    assert.equal(refused?.status, 'REJECTED');
    assert.equal(refused?.status === 'REJECTED' && refused.error.code, 'PAYLOAD_TOO_LARGE');
    assert.equal(stored?.status, 'ACCEPTED');
    assert.deepEqual(
      (await store.readAfter('acme', 0, { query: {}, typePatterns: null }, 10)).map((event) => event.id),
      [small.id],
    );
  });
});

describe('boundedJson', () => {
  it('keeps JSON that fits and cuts the rest to an excerpt that fits, multi-byte and escaped characters included', () => {
    assert.deepEqual(boundedJson({ types: ['a.b'] }, 100), { types: ['a.b'] });
    for (const char of ['x', 'é', '😀', '"', '\u0001']) {
      const cut = boundedJson({ value: char.repeat(5000) }, 300) as { truncated: true; bytes: number; excerpt: string };
      assert.equal(cut.truncated, true);
      assert.equal(cut.bytes, Buffer.byteLength(JSON.stringify({ value: char.repeat(5000) })));
      assert.ok(Buffer.byteLength(JSON.stringify(cut.excerpt)) <= 300, `excerpt of ${JSON.stringify(char)} too large`);
    }
  });
});
