// The EventBus contract (docs/ARCHITECTURE.md §2): the guarantees of src/bus/event-bus.ts, run on every adapter.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BusSubscription, EventBus } from '../../src/bus/event-bus.ts';
import type { HubEvent, PendingEvent } from '../../src/events/event.ts';
import { pendingEvent } from '../support/fixtures.ts';

export interface BusUnderTest {
  /** The instance under test. */
  bus: EventBus;
  /**
   * Another instance on the same channel, as a second hub process would hold.
   * An adapter without instances (in-process) passes `bus` itself: the
   * cross-instance tests then check the same promises on one bus.
   */
  peer: EventBus;
  /** Closes both instances and anything they opened. */
  close(): Promise<void>;
  /** How long a delivery may take before the suite calls it lost; default 3000 ms. */
  deliveryTimeoutMs?: number;
}

/** Makes fresh instances, on a channel no other test uses, each time it is called. */
export type MakeBus = () => Promise<BusUnderTest>;

let nextPosition = 1;
/** A stored event: the fixture plus the position the store would have given it. */
const storedEvent = (overrides: Partial<PendingEvent> = {}): HubEvent => ({
  ...pendingEvent(overrides),
  position: nextPosition++,
});

/** Every field the envelope can carry, with values JSON alone would not bring back. */
const richEvent = (i: number): HubEvent =>
  storedEvent({
    type: `crm.deal.stage_${i % 3}`,
    tenantId: i % 2 ? 'acme' : 'globex',
    timestamp: new Date(Date.UTC(2024, 0, 2, 3, 4, 5, i)),
    // the offset the timestamp was published in travels with it (absent: UTC)
    ...(i % 3 === 1 ? { timestampOffset: 120 } : i % 3 === 2 ? { timestampOffset: -330 } : {}),
    receivedAt: new Date(Date.UTC(2024, 0, 2, 3, 4, 6, 999 - i)),
    ...(i % 2 ? { subject: `deal/${i}` } : {}),
    payload: {
      i,
      ratio: i / 7,
      ok: i % 2 === 0,
      none: null,
      text: 'é ✓ "quoted" \n line',
      // Strings that look like the date fields must stay strings.
      timestamp: '2024-01-02T03:04:05.000Z',
      receivedAt: '2024-01-02T03:04:05.000Z',
      nested: { list: [1, 'two', { three: [] }], at: '2024-05-06T07:08:09.010Z' },
    },
    metadata: {
      correlationId: `corr-${i}`,
      causationId: `cause-${i}`,
      idempotencyKey: `key-${i}`,
      actor: { id: 'u1', type: 'user' },
      context: { type: 'CLIENT', id: 'client-9' },
      attributes: { tags: ['a', 'b'], depth: { x: i } },
      ...(i % 5 === 0 ? { replay: { jobId: 'job-1', originalEventId: 'original' } } : {}),
    },
  });

interface Inbox {
  events: HubEvent[];
  subscription: BusSubscription;
}

async function listen(bus: EventBus): Promise<Inbox> {
  const events: HubEvent[] = [];
  const subscription = await bus.subscribe((event) => void events.push(event));
  return { events, subscription };
}

/** Delivery may be asynchronous (it is, through Redis): wait for it, within reason. */
async function delivered(condition: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(2);
  }
}

const ids = (events: readonly HubEvent[]) => events.map((event) => event.id);

export function runEventBusContract(name: string, makeBus: MakeBus): void {
  describe(`EventBus contract on ${name}`, () => {
    let subject: BusUnderTest;
    let bus: EventBus;
    let peer: EventBus;
    beforeEach(async () => {
      subject = await makeBus();
      ({ bus, peer } = subject);
    });
    afterEach(() => subject.close());
    const until = (condition: () => boolean, what: string) => delivered(condition, what, subject.deliveryTimeoutMs);

    it('answers ping and takes a publish that nobody listens to', async () => {
      await bus.ping();
      await bus.publish(storedEvent());
    });

    it('delivers a published event to a listener that subscribed before', async () => {
      const inbox = await listen(bus);
      const event = storedEvent();
      await bus.publish(event);
      await until(() => inbox.events.length === 1, 'the event');
      assert.deepEqual(inbox.events, [event]);
    });

    it('delivers an event published right after subscribe resolves, from this instance or another', async () => {
      // Each round starts with no listener, so the adapter has to join the channel again.
      for (let round = 0; round < 20; round++) {
        const inbox = await listen(bus);
        const event = storedEvent();
        await (round % 2 ? bus : peer).publish(event);
        await until(() => inbox.events.length === 1, `the first event of round ${round}`);
        assert.equal(inbox.events[0]?.id, event.id);
        await inbox.subscription.close();
      }
    });

    it('delivers a publisher’s events in publish order, every field exactly as published', async () => {
      const here = await listen(bus);
      const there = await listen(peer);
      const sent = Array.from({ length: 60 }, (_, i) => richEvent(i));
      const half = sent.length / 2;
      for (const event of sent.slice(0, half)) await bus.publish(event);
      await Promise.all(sent.slice(half).map((event) => bus.publish(event))); // not awaited one by one
      await until(
        () => here.events.length === sent.length && there.events.length === sent.length,
        'every event on both instances',
      );
      assert.deepEqual(ids(here.events), ids(sent));
      assert.deepEqual(here.events, sent);
      assert.deepEqual(there.events, sent);
      assert.ok(there.events[0]?.timestamp instanceof Date && typeof there.events[0].position === 'number');
    });

    it('delivers each event to every listener, even one function subscribed twice', async () => {
      const first = await listen(bus);
      const second = await listen(bus);
      const calls: string[] = [];
      const twice = (event: HubEvent) => void calls.push(event.id);
      const one = await bus.subscribe(twice);
      await bus.subscribe(twice);
      const event = storedEvent();
      await peer.publish(event);
      await until(
        () => first.events.length === 1 && second.events.length === 1 && calls.length === 2,
        'every listener',
      );
      await one.close();
      const next = storedEvent();
      await peer.publish(next);
      await until(() => first.events.length === 2, 'the next event');
      await until(() => calls.length === 3, 'the remaining subscription of the twice-subscribed function');
      assert.deepEqual(calls, [event.id, event.id, next.id]);
    });

    it('goes on delivering to the other listeners, and later events, when a listener throws', async () => {
      await bus.subscribe(() => {
        throw new Error('listener bug');
      });
      const inbox = await listen(bus);
      const events = [storedEvent(), storedEvent()];
      for (const event of events) await peer.publish(event);
      await until(() => inbox.events.length === 2, 'both events past the throwing listener');
      assert.deepEqual(ids(inbox.events), ids(events));
    });

    it('stops delivery to a closed subscription, and closing twice is harmless', async () => {
      const closed = await listen(bus);
      const open = await listen(bus);
      await closed.subscription.close();
      await closed.subscription.close();
      const events = [storedEvent(), storedEvent()];
      for (const event of events) await peer.publish(event);
      // Same publisher, so once the open listener has the last event the closed one would have had both.
      await until(() => open.events.length === 2, 'both events on the open listener');
      assert.deepEqual(closed.events, []);
    });

    it('carries events across instances: published on one, heard on the other', async () => {
      const onPeer = await listen(peer);
      const onBus = await listen(bus);
      const fromBus = storedEvent({ type: 'crm.from.bus' });
      const fromPeer = storedEvent({ type: 'crm.from.peer' });
      await bus.publish(fromBus);
      await peer.publish(fromPeer);
      await until(() => onPeer.events.length === 2 && onBus.events.length === 2, 'both events on both instances');
      for (const inbox of [onPeer, onBus]) {
        assert.deepEqual(new Set(ids(inbox.events)), new Set([fromBus.id, fromPeer.id]));
      }
    });
  });
}
