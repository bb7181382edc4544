// Time as sent: Event.timestamp comes back in the offset it was published with, everywhere an
// event is seen (publish answer, event(id), events, a subscription, a handler, a replayed copy),
// while `from`/`to`, ordering and eventStats buckets keep using the instant. On both stores.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { formatOffsetDateTime, OffsetDate } from '../../src/events/event-time.ts';
import type { HubHandler } from '../../src/handlers/handler.ts';
import { publishInput } from '../support/fixtures.ts';
import { type Edge, gql } from '../support/graphql-client.ts';
import { TEST_KEYS } from '../support/hub.ts';
import { STORE_KINDS, startHubOn, type TestHub } from '../support/store-hubs.ts';
import { until } from '../support/until.ts';
import { subscribe, wsClient, type TestSubscription } from '../support/ws-client.ts';

/** What the handler saw of each event: the instant, the offset, and the two together as the API shows them. */
const seen = new Map<string, { instant: string; offset: number | undefined; shown: string }>();
const clock: HubHandler = {
  name: 'tz-clock',
  eventTypes: ['tz.clock.*'],
  priority: 0,
  async handle(event) {
    const shown = formatOffsetDateTime(new OffsetDate(event.timestamp.getTime(), event.timestampOffset ?? 0));
    seen.set(event.id, { instant: event.timestamp.toISOString(), offset: event.timestampOffset, shown });
  },
};

const PUBLISH_MANY =
  'mutation($input: [PublishEventInput!]!) { publishEvents(input: $input) { status event { id timestamp receivedAt } error { message } } }';
/** An event as EVENTS selects it. */
interface TimedEvent {
  id: string;
  type: string;
  timestamp: string;
  metadata: { replay: { originalEventId: string } | null };
}
const EVENTS =
  'query($filter: EventFilter) { events(filter: $filter, first: 20, order: ASC) { edges { node { id type timestamp metadata { replay { originalEventId } } } } } }';

// As published → as shown; the instants are 08:00Z, 05:00Z and 09:00Z on 2026-01-05.
const SENT = {
  'tz.clock.plus': ['2026-01-05T10:00:00+02:00', '2026-01-05T10:00:00.000+02:00'],
  'tz.clock.minus': ['2026-01-04T23:30:00-05:30', '2026-01-04T23:30:00.000-05:30'],
  'tz.clock.utc': ['2026-01-05T09:00:00Z', '2026-01-05T09:00:00.000Z'],
} as const;
const TYPES = Object.keys(SENT) as (keyof typeof SENT)[];

for (const kind of STORE_KINDS) {
  describe(`timestamps keep their offset on ${kind}`, () => {
    let hub: TestHub;
    let live: TestSubscription;
    let client: ReturnType<typeof wsClient>;
    const ids: Record<string, string> = {};
    let published: { status: string; event: { id: string; timestamp: string; receivedAt: string } }[];
    const query = async (q: string, variables: Record<string, unknown> = {}) =>
      (await gql(hub.url, q, variables, TEST_KEYS.acme)).data!;
    const events = async (filter: Record<string, unknown>) =>
      (await query(EVENTS, { filter: { types: ['tz.clock.*'], ...filter } }))['events'].edges.map(
        (e: Edge<TimedEvent>) => e.node,
      ) as TimedEvent[];

    before(async () => {
      hub = await startHubOn(kind, { HUB_HANDLER_POLL_MS: '100', HUB_REPLAY_POLL_MS: '100' }, { handlers: [clock] });
      client = wsClient(hub.url, TEST_KEYS.acme);
      live = subscribe(client, 'subscription { events(filter: { types: ["tz.clock.*"] }) { id type timestamp } }');
      await until(
        async () => hub.services.live.size,
        (n) => n === 1,
        'the live subscription',
        10_000,
      );
      const input = TYPES.map((type) => publishInput({ type, timestamp: SENT[type][0] }));
      published = (await query(PUBLISH_MANY, { input }))['publishEvents'];
      published.forEach((result, i) => {
        ids[TYPES[i]!] = result.event.id;
      });
    });
    after(async () => {
      await live?.close();
      await client?.dispose();
      await hub?.stop();
    });

    it('answers the publish with each timestamp in the offset it was sent in, and receivedAt in UTC', () => {
      assert.deepEqual(
        published.map((r) => r.event.timestamp),
        TYPES.map((type) => SENT[type][1]),
      );
      for (const { event } of published) assert.match(event.receivedAt, /Z$/);
    });

    it('shows the offset in event(id) and in events', async () => {
      for (const type of TYPES) {
        const { event } = await query('query($id: ID!) { event(id: $id) { timestamp } }', { id: ids[type] });
        assert.equal(event.timestamp, SENT[type][1]);
      }
      assert.deepEqual(
        (await events({})).map((e) => e.timestamp),
        TYPES.map((type) => SENT[type][1]),
      );
    });

    it('delivers the offset to subscribers and to handlers, which also get the instant', async () => {
      const received = await live.waitFor(3);
      assert.deepEqual(
        received.map((r) => r.data?.['events'].timestamp),
        TYPES.map((type) => SENT[type][1]),
      );
      await until(async () => TYPES.every((type) => seen.has(ids[type]!)), Boolean, 'the handler', 10_000);
      assert.deepEqual(seen.get(ids['tz.clock.plus']!), {
        instant: '2026-01-05T08:00:00.000Z',
        offset: 120,
        shown: SENT['tz.clock.plus'][1],
      });
      assert.deepEqual(seen.get(ids['tz.clock.minus']!), {
        instant: '2026-01-05T05:00:00.000Z',
        offset: -330,
        shown: SENT['tz.clock.minus'][1],
      });
      assert.deepEqual(seen.get(ids['tz.clock.utc']!), {
        instant: '2026-01-05T09:00:00.000Z',
        offset: undefined,
        shown: SENT['tz.clock.utc'][1],
      });
    });

    it('selects by the instant with from/to, whatever offset the bounds or the events are written in', async () => {
      const types = async (from: string, to: string) => (await events({ from, to })).map((e) => e.type);
      assert.deepEqual(await types('2026-01-05T08:00:00Z', '2026-01-05T08:00:00.001Z'), ['tz.clock.plus']);
      assert.deepEqual(await types('2026-01-05T10:00:00+02:00', '2026-01-05T09:00:00Z'), ['tz.clock.plus']);
      // 23:00-05:30 on the 4th is 04:30Z: only the -05:30 event lies before 08:00Z
      assert.deepEqual(await types('2026-01-04T23:00:00-05:30', '2026-01-05T08:00:00Z'), ['tz.clock.minus']);
    });

    it('buckets eventStats by the UTC hour and day of the instant', async () => {
      const stats = async (groupBy: string) =>
        (
          await query(
            'query($g: StatsGroup!) { eventStats(filter: { types: ["tz.clock.*"] }, groupBy: $g) { key count } }',
            { g: groupBy },
          )
        )['eventStats'];
      assert.deepEqual(await stats('HOUR'), [
        { key: '2026-01-05T05:00:00Z', count: 1 },
        { key: '2026-01-05T08:00:00Z', count: 1 },
        { key: '2026-01-05T09:00:00Z', count: 1 },
      ]);
      assert.deepEqual(await stats('DAY'), [{ key: '2026-01-05', count: 3 }]);
    });

    it('keeps the offset on the events a REPUBLISH replay makes', async () => {
      const start = await query('mutation($input: StartReplayInput!) { startReplay(input: $input) { id } }', {
        input: { target: 'REPUBLISH', filter: { types: ['tz.clock.plus', 'tz.clock.minus'] } },
      });
      const jobId = start['startReplay'].id;
      await until(
        async () =>
          (await query('query($id: ID!) { replayJob(id: $id) { status } }', { id: jobId }))['replayJob'].status,
        (s) => s === 'COMPLETED',
        'the replay',
        10_000,
      );
      const copies = (await events({})).filter((e) => e.metadata.replay);
      assert.deepEqual(
        copies.map((e) => [e.metadata.replay!.originalEventId, e.timestamp]),
        [
          [ids['tz.clock.plus'], SENT['tz.clock.plus'][1]],
          [ids['tz.clock.minus'], SENT['tz.clock.minus'][1]],
        ],
      );
    });
  });
}
