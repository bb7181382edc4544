import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { pino } from 'pino';
import type { EventBus } from '../../src/bus/event-bus.ts';
import { createInProcessEventBus } from '../../src/bus/in-process-event-bus.ts';
import { ErrorCode, isHubError } from '../../src/errors.ts';
import type { HubEvent, PendingEvent } from '../../src/events/event.ts';
import { compileFilter, type EventFilter } from '../../src/filter/index.ts';
import { createSubscriptionHub, type DirectDelivery, type SubscriptionHub } from '../../src/live/index.ts';
import type { EventStore } from '../../src/store/event-store.ts';
import { createMemoryEventStore } from '../../src/store/memory-event-store.ts';
import { pendingEvent } from '../support/fixtures.ts';

const hubs: SubscriptionHub[] = [];
afterEach(async () => {
  await Promise.all(hubs.splice(0).map((hub) => hub.close()));
});

interface SetupOptions {
  bufferSize?: number;
  catchUpBatch?: number;
  /** Wraps the memory store, e.g. to hold back positions that are not safe yet. */
  wrapStore?: (store: EventStore) => EventStore;
}

async function setup(options: SetupOptions = {}) {
  const memory = createMemoryEventStore({ idempotencyWindowMs: 86_400_000 });
  const store = options.wrapStore?.(memory) ?? memory;
  const inProcess = createInProcessEventBus();
  // The in-process bus never reconnects; this one can be told it did, as the Redis bus says after an outage.
  const reconnectListeners = new Set<() => void>();
  const bus: EventBus = {
    ...inProcess,
    onReconnect: (listener) => {
      reconnectListeners.add(listener);
      return () => void reconnectListeners.delete(listener);
    },
  };
  const reconnected = () => {
    for (const listener of reconnectListeners) listener();
  };
  const hub = createSubscriptionHub({
    store,
    bus,
    log: pino({ level: 'silent' }),
    ...(options.bufferSize !== undefined && { bufferSize: options.bufferSize }),
    ...(options.catchUpBatch !== undefined && { catchUpBatch: options.catchUpBatch }),
  });
  hubs.push(hub);
  await hub.start();
  /** Store, then bus, as ingest does. */
  const publish = async (overrides: Partial<PendingEvent> = {}): Promise<HubEvent> => {
    const [outcome] = await memory.append([pendingEvent(overrides)]);
    assert.equal(outcome?.status, 'ACCEPTED');
    if (outcome?.status !== 'ACCEPTED') throw new Error('not accepted');
    await bus.publish(outcome.event);
    return outcome.event;
  };
  /** Stored only: the bus never hears of it (a dropped or delayed message). */
  const storeOnly = async (overrides: Partial<PendingEvent> = {}): Promise<HubEvent> => {
    const [outcome] = await memory.append([pendingEvent(overrides)]);
    if (outcome?.status !== 'ACCEPTED') throw new Error('not accepted');
    return outcome.event;
  };
  const subscribe = (
    filter: EventFilter | null,
    extra: { tenantId?: string; after?: number; signal?: AbortSignal; deliver?: DirectDelivery } = {},
  ) => hub.subscribe({ tenantId: extra.tenantId ?? 'acme', filter: compileFilter(filter), ...extra });
  return { hub, bus, publish, storeOnly, subscribe, reconnected };
}

/** Consumes a stream in the background. */
function collect(iterator: AsyncIterableIterator<HubEvent>) {
  const state = { events: [] as HubEvent[], error: undefined as unknown, done: false };
  void (async () => {
    try {
      for await (const event of iterator) state.events.push(event);
    } catch (error) {
      state.error = error;
    } finally {
      state.done = true;
    }
  })();
  return Object.assign(state, { positions: () => state.events.map((e) => e.position) });
}

async function until(condition: () => boolean, what = 'condition'): Promise<void> {
  const deadline = Date.now() + 3000;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** readAfter answers 3 ms after it read. */
const slowReads = (store: EventStore): EventStore => ({
  ...store,
  readAfter: async (...args) => {
    const page = await store.readAfter(...args);
    await new Promise((resolve) => setTimeout(resolve, 3));
    return page;
  },
});

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

function assertHubError(error: unknown, code: string): asserts error is Error {
  assert.ok(isHubError(error), `expected a HubError, got ${String(error)}`);
  assert.equal(error.code, code);
}

describe('subscription hub: live delivery', () => {
  it('delivers matching events live and skips the others', async () => {
    const { publish, subscribe } = await setup();
    const seen = collect(subscribe({ types: ['crm.contact.*'] }));
    await publish({ type: 'crm.contact.created' });
    await publish({ type: 'crm.deal.won' });
    await publish({ type: 'crm.contact.updated' });
    await until(() => seen.events.length === 2, 'two events');
    assert.deepEqual(
      seen.events.map((e) => e.type),
      ['crm.contact.created', 'crm.contact.updated'],
    );
    assert.deepEqual(seen.positions(), [1, 3]);
  });

  it('checks the whole filter, not only the type', async () => {
    const { publish, subscribe } = await setup();
    const seen = collect(subscribe({ types: ['crm.>'], where: [{ path: 'payload.vip', op: 'EQ', value: true }] }));
    await publish({ payload: { vip: false } });
    await publish({ payload: { vip: true } });
    await until(() => seen.events.length === 1);
    assert.deepEqual(seen.positions(), [2]);
  });

  it('keeps tenants apart', async () => {
    const { publish, subscribe } = await setup();
    const acme = collect(subscribe(null, { tenantId: 'acme' }));
    const globex = collect(subscribe(null, { tenantId: 'globex' }));
    await publish({ tenantId: 'acme', payload: { n: 'a1' } });
    await publish({ tenantId: 'globex', payload: { n: 'g1' } });
    await publish({ tenantId: 'acme', payload: { n: 'a2' } });
    await until(() => acme.events.length === 2 && globex.events.length === 1);
    assert.deepEqual(
      acme.events.map((e) => [e.tenantId, e.payload['n']]),
      [
        ['acme', 'a1'],
        ['acme', 'a2'],
      ],
    );
    assert.deepEqual(
      globex.events.map((e) => [e.tenantId, e.payload['n']]),
      [['globex', 'g1']],
    );
  });

  it('puts out-of-order bus deliveries back in position order', async () => {
    const { bus, storeOnly, subscribe } = await setup();
    const seen = collect(subscribe(null));
    const [e1, e2, e3] = [await storeOnly(), await storeOnly(), await storeOnly()];
    await bus.publish(e1!);
    await bus.publish(e3!);
    await bus.publish(e2!);
    await until(() => seen.events.length === 3);
    assert.deepEqual(seen.positions(), [1, 2, 3]);
  });

  it('drops a duplicate bus delivery', async () => {
    const { bus, publish, subscribe } = await setup();
    const seen = collect(subscribe(null));
    const first = await publish();
    await bus.publish(first);
    await publish();
    await bus.publish(first);
    await until(() => seen.events.length === 2);
    await publish();
    await until(() => seen.events.length === 3);
    assert.deepEqual(seen.positions(), [1, 2, 3]);
  });

  it('fills a gap the bus left from the store', async () => {
    const { bus, storeOnly, subscribe } = await setup();
    const seen = collect(subscribe({ types: ['crm.contact.created'] }));
    const events = [await storeOnly(), await storeOnly({ type: 'crm.deal.won' }), await storeOnly(), await storeOnly()];
    await bus.publish(events[0]!);
    await bus.publish(events[3]!); // 2 and 3 never come over the bus
    await until(() => seen.events.length === 3);
    assert.deepEqual(seen.positions(), [1, 3, 4]);
  });

  it('reads what the bus missed while down from the store once the bus is live again, with no new event needed', async () => {
    const { publish, storeOnly, subscribe, reconnected } = await setup({ catchUpBatch: 2 });
    const acme = collect(subscribe(null));
    const globex = collect(subscribe(null, { tenantId: 'globex' }));
    await publish();
    await until(() => acme.events.length === 1);
    // The bus is down: these are stored, and their publishes fail.
    for (let i = 0; i < 5; i++) await storeOnly();
    await storeOnly({ tenantId: 'globex' });
    reconnected();
    await until(() => acme.events.length === 6 && globex.events.length === 1, 'the missed events of both tenants');
    await publish();
    await until(() => acme.events.length === 7);
    assert.deepEqual(acme.positions(), [1, 2, 3, 4, 5, 6, 7]);
    assert.deepEqual(globex.positions(), [1]);
    reconnected(); // nothing new: nothing delivered twice
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(acme.events.length, 7);
  });

  it('leaves a gap the bus closes within the grace period to the bus: no store read', async () => {
    let reads = 0;
    const { bus, storeOnly, subscribe } = await setup({
      wrapStore: (store) => ({
        ...store,
        readAfter: (...args) => {
          reads++;
          return store.readAfter(...args);
        },
      }),
    });
    const seen = collect(subscribe(null));
    await new Promise((resolve) => setTimeout(resolve, 5));
    const [e1, e2, e3] = [await storeOnly(), await storeOnly(), await storeOnly()];
    await bus.publish(e1!);
    await bus.publish(e3!); // concurrent publishes are acknowledged, and so published, out of order
    await new Promise((resolve) => setTimeout(resolve, 20));
    await bus.publish(e2!);
    await until(() => seen.events.length === 3);
    assert.deepEqual(seen.positions(), [1, 2, 3]);
    await new Promise((resolve) => setTimeout(resolve, 300)); // past the grace period
    assert.equal(reads, 0, 'the store was read for a gap the bus closed');
  });

  it('holds events behind a gap until the store says the missing position is safe', async () => {
    let safeHead = Infinity;
    const { bus, storeOnly, subscribe } = await setup({
      wrapStore: (store) => ({
        ...store,
        readAfter: async (...args) => (await store.readAfter(...args)).filter((e) => e.position <= safeHead),
      }),
    });
    const seen = collect(subscribe(null));
    const [e1, , e3] = [await storeOnly(), await storeOnly(), await storeOnly()];
    safeHead = 1; // position 2 is committing elsewhere
    await bus.publish(e1!);
    await bus.publish(e3!);
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.deepEqual(seen.positions(), [1]);
    safeHead = Infinity;
    await until(() => seen.events.length === 3, 'the retry to fill the gap');
    assert.deepEqual(seen.positions(), [1, 2, 3]);
  });

  it('does not lose an event committed after a later one (the classic gap)', async () => {
    let safeHead = Infinity;
    const { bus, storeOnly, subscribe } = await setup({
      wrapStore: (store) => ({
        ...store,
        headPosition: async (tenantId) => Math.min(await store.headPosition(tenantId), safeHead),
        readAfter: async (...args) => (await store.readAfter(...args)).filter((e) => e.position <= safeHead),
      }),
    });
    const seen = collect(subscribe(null));
    await new Promise((resolve) => setTimeout(resolve, 5));
    safeHead = 0; // 1 and 2 get their positions; 1 commits later than 2
    const [e1, e2] = [await storeOnly(), await storeOnly()];
    await bus.publish(e2!);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(seen.positions(), []);
    safeHead = Infinity;
    await bus.publish(e1!);
    await until(() => seen.events.length === 2);
    assert.deepEqual(seen.positions(), [1, 2]);
  });

  it('catches a new subscriber up through what the hub already dispatched, even when the store sees an older head', async () => {
    let storeHead = Infinity; // the store's own look at its head, which may lag (MongoDB: a watermark behind)
    const { publish, subscribe } = await setup({
      wrapStore: (store) => ({
        ...store,
        readRange: (tenantId, request) =>
          store.readRange(tenantId, {
            ...request,
            upTo: Math.min(request.upTo ?? Infinity, Math.max(storeHead, request.through ?? 0)),
          }),
      }),
    });
    const live = collect(subscribe(null));
    await new Promise((resolve) => setTimeout(resolve, 5));
    for (let i = 0; i < 3; i++) await publish();
    await until(() => live.events.length === 3, 'live delivery');
    storeHead = 1;
    const resumed = collect(subscribe(null, { after: 0 }));
    await until(() => resumed.events.length === 3, 'the catch-up through position 3');
    await publish();
    await until(() => resumed.events.length === 4);
    assert.deepEqual(resumed.positions(), [1, 2, 3, 4]);
  });

  it('does not evaluate more filters for one event when unrelated subscribers grow from 10 to 10,000', async () => {
    const checks: number[] = [];
    for (const subscribers of [10, 10_000]) {
      const { hub, publish, subscribe } = await setup();
      for (let i = 0; i < subscribers; i++) subscribe({ types: [`crm.type${i}.created`] });
      const target = collect(subscribe({ types: ['crm.contact.created'] }));
      const before = hub.matchChecks;
      await publish({ type: 'crm.contact.created' });
      await until(() => target.events.length === 1);
      checks.push(hub.matchChecks - before);
      await hub.close();
      assert.equal(hub.size, 0);
    }
    assert.deepEqual(checks, [1, 1]);
  });
});

describe('subscription hub: catch-up with after', () => {
  it('reads stored events after the position, then goes live, with no gap and no duplicate', async () => {
    const { publish, subscribe } = await setup({ catchUpBatch: 2 });
    const typeOf = (n: number) => (n % 2 ? 'crm.deal.won' : 'crm.contact.created');
    for (let i = 0; i < 10; i++) await publish({ type: typeOf(i) });
    const all = subscribe(null, { after: 3 });
    const contacts = collect(subscribe({ types: ['crm.contact.created'] }, { after: 3 }));
    const received: number[] = [];
    // One publish per two deliveries: events land between catch-up pages, and the reader
    // catches up with the store (a short page) while publishes are still coming.
    for (let published = 0; received.length < 14; ) {
      const next = await all.next();
      assert.equal(next.done, false);
      received.push(next.value.position);
      if (received.length % 2 === 1 && published < 7) await publish({ type: typeOf(10 + published++) });
    }
    assert.deepEqual(received, range(4, 17));
    await publish({ type: 'crm.deal.won' });
    assert.equal((await all.next()).value?.position, 18);
    await until(() => contacts.positions().at(-1) === 17);
    assert.deepEqual(contacts.positions(), [5, 7, 9, 11, 13, 15, 17]);
  });

  it('switches to live without a duplicate when the last page holds an event also dispatched live', async () => {
    const { publish, subscribe } = await setup({ catchUpBatch: 2 });
    await publish();
    await publish();
    const stream = subscribe(null, { after: 0 });
    assert.equal((await stream.next()).value?.position, 1); // page [1, 2] is full: still catching up
    await publish(); // 3 is dispatched live into the catch-up buffer and is in the store
    assert.equal((await stream.next()).value?.position, 2);
    assert.equal((await stream.next()).value?.position, 3); // short page [3], then the switch
    await publish();
    assert.equal((await stream.next()).value?.position, 4);
  });

  for (const bufferSize of [1000, 4]) {
    it(`misses nothing while publishers write concurrently during catch-up (buffer ${bufferSize})`, async () => {
      // Reads answer a little later, as a database would: live events pile up meanwhile, and with
      // a buffer of 4 they overflow it, so catch-up must read on instead of switching.
      const { publish, subscribe } = await setup({ catchUpBatch: 50, bufferSize, wrapStore: slowReads });
      for (let i = 0; i < 20; i++) await publish();
      const seen = collect(subscribe(null, { after: 0 }));
      await Promise.all(
        range(1, 4).map(async () => {
          for (let i = 0; i < 25; i++) {
            await publish();
            await new Promise((resolve) => setTimeout(resolve, 1));
          }
        }),
      );
      await until(() => seen.events.length >= 120 || seen.done, '120 events');
      await publish();
      await until(() => seen.events.length >= 121 || seen.done);
      assert.equal(seen.error, undefined);
      assert.deepEqual(seen.positions(), range(1, 121));
    });
  }

  it('throws CURSOR_EXPIRED for a position beyond the head, and frees the subscription', async () => {
    const { hub, publish, subscribe } = await setup();
    await publish();
    await publish();
    const stream = subscribe(null, { after: 5 });
    await assert.rejects(stream.next(), (error) => {
      assertHubError(error, ErrorCode.CURSOR_EXPIRED);
      return true;
    });
    assert.equal(hub.size, 0);
    assert.deepEqual(await stream.next(), { done: true, value: undefined });
  });

  it('starts from the beginning with after: 0', async () => {
    const { publish, subscribe } = await setup();
    await publish();
    const seen = collect(subscribe(null, { after: 0 }));
    await until(() => seen.events.length === 1);
    await publish();
    await until(() => seen.events.length === 2);
    assert.deepEqual(seen.positions(), [1, 2]);
  });
});

describe('subscription hub: slow consumers and ending', () => {
  it('ends only the subscriber that overflows its buffer, with a position to resume from', async () => {
    const { hub, publish, subscribe } = await setup({ bufferSize: 3 });
    const slow = subscribe(null);
    const fast = collect(subscribe(null));
    await publish();
    assert.equal((await slow.next()).value?.position, 1);
    for (let i = 0; i < 6; i++) await publish(); // never blocks although `slow` reads nothing
    await until(() => fast.events.length === 7);
    await assert.rejects(slow.next(), (error) => {
      assertHubError(error, 'SLOW_CONSUMER');
      assert.match(error.message, /after: "1"/);
      return true;
    });
    assert.deepEqual(await slow.next(), { done: true, value: undefined });
    assert.equal(hub.size, 1);
    await publish();
    await until(() => fast.events.length === 8);
    assert.deepEqual(fast.positions(), range(1, 8));
    assert.equal(fast.error, undefined);
  });

  it('ends a stream when its signal aborts, also while a next() is waiting', async () => {
    const { hub, subscribe } = await setup();
    const controller = new AbortController();
    const stream = subscribe(null, { signal: controller.signal });
    assert.equal(hub.size, 1);
    const waiting = stream.next();
    controller.abort();
    assert.deepEqual(await waiting, { done: true, value: undefined });
    assert.equal(hub.size, 0);
    const aborted = subscribe(null, { signal: AbortSignal.abort() });
    assert.deepEqual(await aborted.next(), { done: true, value: undefined });
    assert.equal(hub.size, 0);
  });

  it('ends a stream on return() and frees it', async () => {
    const { hub, publish, subscribe } = await setup();
    const stream = subscribe({ types: ['crm.>'] }, { after: 0 });
    await publish();
    assert.equal((await stream.next()).value?.position, 1);
    await stream.return?.();
    assert.equal(hub.size, 0);
    await publish();
    assert.deepEqual(await stream.next(), { done: true, value: undefined });
  });

  it('ends every stream on close() and refuses new ones', async () => {
    const { hub, publish, subscribe } = await setup();
    const streams = [
      collect(subscribe(null)),
      collect(subscribe({ types: ['crm.*.created'] }, { tenantId: 'globex' })),
    ];
    await publish();
    await hub.close();
    await until(() => streams.every((s) => s.done));
    assert.equal(hub.size, 0);
    assert.ok(streams.every((s) => s.error === undefined));
    await assert.rejects(subscribe(null).next(), (error) => {
      assertHubError(error, ErrorCode.UNAVAILABLE);
      return true;
    });
  });
});

describe('subscription hub: delivery by the consumer itself (deliver)', () => {
  it('offers a live event to deliver while the consumer waits; the iterator yields only what it declines', async () => {
    const { publish, subscribe } = await setup();
    const delivered: number[] = [];
    const seen = collect(
      subscribe(null, {
        deliver: { offer: (event) => event.position % 2 === 1 && delivered.push(event.position) > 0 },
      }),
    );
    for (let i = 1; i <= 4; i++) {
      await publish();
      await until(() => delivered.length + seen.events.length === i, `event ${i}`);
    }
    assert.deepEqual(delivered, [1, 3]);
    assert.deepEqual(seen.positions(), [2, 4]);
  });

  it('never offers a catch-up event, nor one that arrives while others are queued, so the order holds', async () => {
    const { publish, subscribe } = await setup();
    await publish();
    await publish();
    const offered: number[] = [];
    const stream = subscribe(null, { after: 0, deliver: { offer: (event) => offered.push(event.position) > 0 } });
    await publish(); // while catching up: pending
    assert.deepEqual(
      [
        (await stream.next()).value?.position,
        (await stream.next()).value?.position,
        (await stream.next()).value?.position,
      ],
      [1, 2, 3],
    );
    await publish(); // nobody waits in next(): queued
    await publish();
    assert.deepEqual([(await stream.next()).value?.position, (await stream.next()).value?.position], [4, 5]);
    assert.deepEqual(offered, []);
    let answered = false;
    const waiting = stream.next().then((result) => {
      answered = true;
      return result;
    });
    await publish();
    await publish();
    await until(() => offered.length === 2, 'two offers');
    assert.deepEqual(offered, [6, 7]);
    assert.equal(answered, false, 'a delivered event is not yielded too');
    await stream.return?.();
    assert.deepEqual(await waiting, { done: true, value: undefined });
  });

  it('counts delivered events in the SLOW_CONSUMER resume position', async () => {
    const { publish, subscribe } = await setup({ bufferSize: 2 });
    let keepingUp = true;
    const stream = subscribe(null, { deliver: { offer: () => keepingUp } });
    const first = stream.next();
    await publish();
    await publish();
    keepingUp = false; // the socket stops keeping up: the iterator takes over
    await publish();
    assert.equal((await first).value?.position, 3);
    for (let i = 0; i < 3; i++) await publish(); // nobody reads: 4 and 5 queue, 6 overflows
    await assert.rejects(stream.next(), (error) => {
      assertHubError(error, 'SLOW_CONSUMER');
      assert.match(error.message, /after: "3"/);
      return true;
    });
  });
});
