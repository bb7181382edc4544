// The EventStore contract (memory and MongoDB answer the same): one suite of behaviours, run on every adapter.
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { isHubError } from '../../src/errors.ts';
import type { HubEvent, PendingEvent } from '../../src/events/event.ts';
import { compileFilter, type EventFilter } from '../../src/filter/index.ts';
import type { AppendOutcome, EventStore, StatsGroup } from '../../src/store/event-store.ts';
import { pendingEvent } from '../support/fixtures.ts';
import { FILTER_CASES, FILTER_FIXTURES, LABELS, type Label } from './filter-cases.ts';

export interface StoreConfig {
  idempotencyWindowMs: number;
  /** The store's clock; the suite moves it to test the idempotency window. */
  now: () => number;
}

export interface StoreUnderTest {
  store: EventStore;
  /** Closes the store and drops whatever it created. */
  close(): Promise<void>;
}

/** Makes a fresh, empty store each time it is called. */
export type MakeStore = (config: StoreConfig) => Promise<StoreUnderTest>;

const WINDOW_MS = 24 * 60 * 60 * 1000;
const START = Date.parse('2024-03-05T12:00:00.000Z');
const ALL = compileFilter(null);
const filter = (f: EventFilter | null) => compileFilter(f);

const accepted = (outcome: AppendOutcome | undefined): HubEvent => {
  assert.equal(outcome?.status, 'ACCEPTED', `expected ACCEPTED, got ${JSON.stringify(outcome)}`);
  return (outcome as { event: HubEvent }).event;
};
const keyed = (key: string, overrides: Partial<PendingEvent> = {}) =>
  pendingEvent({ ...overrides, metadata: { ...overrides.metadata, idempotencyKey: key } });
const isCode = (code: string) => (error: unknown) => isHubError(error) && error.code === code;

export function runEventStoreContract(name: string, makeStore: MakeStore): void {
  describe(`EventStore contract on ${name}`, () => {
    describe('behaviour', () => {
      let clock = START;
      let subject: StoreUnderTest;
      let store: EventStore;
      beforeEach(async () => {
        clock = START;
        subject = await makeStore({ idempotencyWindowMs: WINDOW_MS, now: () => clock });
        store = subject.store;
      });
      afterEach(() => subject.close());

      /** Appends and returns the ACCEPTED events, failing on any other outcome. */
      const appendAll = async (events: PendingEvent[]) => (await store.append(events)).map(accepted);
      const ids = (events: readonly HubEvent[]) => events.map((e) => e.id);

      describe('append and get', () => {
        it('returns the stored event, field for field, from append and from get', async () => {
          const pending = pendingEvent({
            subject: 'contact/7',
            timestamp: new Date('2024-01-02T03:04:05.678Z'),
            payload: {
              n: 1,
              x: 2.5,
              s: 'é',
              ok: false,
              none: null,
              list: [1, 'two', { three: 3 }],
              deep: { a: { b: [] } },
            },
            metadata: {
              correlationId: 'corr',
              causationId: 'cause',
              idempotencyKey: 'key-1',
              actor: { id: 'u1', type: 'user' },
              context: { type: 'CLIENT', id: 'client-9' },
              attributes: { tags: ['a'], nested: { ok: true } },
              replay: { jobId: 'job-1', originalEventId: 'original' },
            },
          });
          const [event] = await appendAll([pending]);
          assert.deepEqual(event, { ...pending, position: event!.position });
          assert.deepEqual(await store.get('acme', pending.id), event);
        });

        it('leaves out optional fields the event did not have', async () => {
          const [event] = await appendAll([pendingEvent()]);
          const stored = await store.get('acme', event!.id);
          assert.ok(stored);
          assert.equal('subject' in stored, false);
          assert.deepEqual(stored.metadata, {});
        });

        it('keeps the offset a timestamp was published in beside its instant, through append, get, query and readRange', async () => {
          const plus = pendingEvent({ timestamp: new Date('2026-01-05T08:00:00.000Z'), timestampOffset: 120 });
          const minus = pendingEvent({ timestamp: new Date('2026-01-05T15:30:00.000Z'), timestampOffset: -330 });
          const utc = pendingEvent({ timestamp: new Date('2026-01-05T10:00:00.000Z') });
          const stored = await appendAll([plus, minus, utc]);
          assert.deepEqual(
            stored.map((e) => e.timestampOffset),
            [120, -330, undefined],
          );
          assert.deepEqual(await store.get('acme', plus.id), { ...plus, position: stored[0]!.position });
          assert.equal(
            'timestampOffset' in (await store.get('acme', utc.id))!,
            false,
            'UTC is stored as no offset at all',
          );
          const page = await store.query('acme', { filter: ALL, first: 10, order: 'ASC' });
          assert.deepEqual(
            page.events.map((e) => [e.timestamp.toISOString(), e.timestampOffset]),
            [
              ['2026-01-05T08:00:00.000Z', 120],
              ['2026-01-05T15:30:00.000Z', -330],
              ['2026-01-05T10:00:00.000Z', undefined],
            ],
          );
          const range: HubEvent[] = [];
          for await (const batch of (await store.readRange('acme', { after: 0, filter: ALL, batch: 10 })).pages)
            range.push(...batch);
          assert.deepEqual(
            range.map((e) => e.timestampOffset),
            [120, -330, undefined],
          );
          assert.deepEqual(
            (await store.readAfter('acme', 0, ALL, 10)).map((e) => e.timestampOffset),
            [120, -330, undefined],
          );
        });

        it('filters and buckets by the instant, whatever offset the timestamp was written in', async () => {
          // 10:00+02:00 is 08:00Z; 23:30-05:30 on the 4th is 05:00Z on the 5th; 09:00Z
          await appendAll([
            pendingEvent({ type: 'a.plus', timestamp: new Date('2026-01-05T08:00:00.000Z'), timestampOffset: 120 }),
            pendingEvent({ type: 'a.minus', timestamp: new Date('2026-01-05T05:00:00.000Z'), timestampOffset: -330 }),
            pendingEvent({ type: 'a.utc', timestamp: new Date('2026-01-05T09:00:00.000Z') }),
          ]);
          const between = async (from: string, to: string) =>
            (
              await store.query('acme', {
                filter: filter({ from: new Date(from), to: new Date(to) }),
                first: 10,
                order: 'ASC',
              })
            ).events.map((e) => e.type);
          assert.deepEqual(await between('2026-01-05T07:59:59.999Z', '2026-01-05T08:00:00.001Z'), ['a.plus']);
          assert.deepEqual(await between('2026-01-05T00:00:00.000Z', '2026-01-05T08:00:00.000Z'), ['a.minus']);
          assert.deepEqual(await store.stats('acme', ALL, 'DAY'), [{ key: '2026-01-05', count: 3 }]);
          assert.deepEqual((await store.stats('acme', ALL, 'HOUR')).map((s) => s.key).sort(), [
            '2026-01-05T05:00:00Z',
            '2026-01-05T08:00:00Z',
            '2026-01-05T09:00:00Z',
          ]);
        });

        it('returns null for an unknown id and for another tenant’s event', async () => {
          const [event] = await appendAll([pendingEvent({ tenantId: 'acme' })]);
          assert.equal(await store.get('acme', '01900000-0000-7000-8000-000000000000'), null);
          assert.equal(await store.get('globex', event!.id), null);
        });

        it('reads many events by id in one call, leaving out unknown ids and other tenants’ events', async () => {
          const [a, b, theirs] = await appendAll([
            pendingEvent({ type: 'a.one' }),
            pendingEvent({ type: 'a.two' }),
            pendingEvent({ tenantId: 'globex' }),
          ]);
          const found = await store.getMany('acme', [
            b!.id,
            a!.id,
            b!.id,
            theirs!.id,
            '01900000-0000-7000-8000-000000000000',
          ]);
          assert.deepEqual(
            found.sort((x, y) => x.position - y.position),
            [a, b],
          );
          assert.deepEqual(await store.getMany('acme', []), []);
        });

        it('answers one outcome per input, in input order', async () => {
          const inputs = [pendingEvent({ type: 'a.one' }), keyed('k'), keyed('k'), pendingEvent({ type: 'a.two' })];
          const outcomes = await store.append(inputs);
          assert.deepEqual(
            outcomes.map((o) => o.status),
            ['ACCEPTED', 'ACCEPTED', 'DUPLICATE', 'ACCEPTED'],
          );
          assert.deepEqual(
            outcomes.map((o) => (o.status === 'ACCEPTED' ? o.event.id : null)),
            [inputs[0]!.id, inputs[1]!.id, null, inputs[3]!.id],
          );
          assert.deepEqual(await store.append([]), []);
        });

        it('gives ACCEPTED events strictly increasing positions per tenant, across calls', async () => {
          const acme: number[] = [];
          const globex: number[] = [];
          for (let round = 0; round < 3; round++) {
            const events = await appendAll([
              pendingEvent({ tenantId: 'acme' }),
              pendingEvent({ tenantId: 'globex' }),
              pendingEvent({ tenantId: 'acme' }),
            ]);
            for (const e of events) (e.tenantId === 'acme' ? acme : globex).push(e.position);
          }
          const increasing = (list: number[]) => list.every((p, i) => i === 0 || p > list[i - 1]!);
          assert.ok(increasing(acme), `acme positions ${acme}`);
          assert.ok(increasing(globex), `globex positions ${globex}`);
          assert.ok(acme[0]! >= 1 && globex[0]! >= 1);
          assert.equal(await store.headPosition('acme'), acme.at(-1));
          assert.equal(await store.headPosition('globex'), globex.at(-1));
        });
      });

      describe('idempotency', () => {
        it('answers DUPLICATE with the original id for a key seen in an earlier call, and stores nothing', async () => {
          const [original] = await appendAll([keyed('order-1')]);
          const outcomes = await store.append([keyed('order-1', { payload: { other: true } })]);
          assert.deepEqual(outcomes, [{ status: 'DUPLICATE', originalEventId: original!.id }]);
          const page = await store.query('acme', { filter: ALL, first: 10, order: 'ASC' });
          assert.deepEqual(ids(page.events), [original!.id]);
        });

        it('answers DUPLICATE for a key repeated inside one call', async () => {
          const first = keyed('same');
          const outcomes = await store.append([first, keyed('same'), keyed('same')]);
          assert.equal(accepted(outcomes[0]).id, first.id);
          assert.deepEqual(outcomes.slice(1), [
            { status: 'DUPLICATE', originalEventId: first.id },
            { status: 'DUPLICATE', originalEventId: first.id },
          ]);
        });

        it('keeps keys per tenant: the same key in two tenants is accepted in both', async () => {
          const outcomes = await store.append([
            keyed('shared', { tenantId: 'acme' }),
            keyed('shared', { tenantId: 'globex' }),
          ]);
          assert.deepEqual(
            outcomes.map((o) => o.status),
            ['ACCEPTED', 'ACCEPTED'],
          );
        });

        it('never deduplicates events without a key', async () => {
          const payload = { same: true };
          const events = await appendAll([pendingEvent({ payload }), pendingEvent({ payload })]);
          assert.equal(new Set(ids(events)).size, 2);
        });

        it('remembers a key for the window and accepts it again once the window has passed', async () => {
          const [original] = await appendAll([keyed('daily')]);
          clock = START + WINDOW_MS - 1;
          assert.deepEqual(await store.append([keyed('daily')]), [
            { status: 'DUPLICATE', originalEventId: original!.id },
          ]);
          clock = START + WINDOW_MS + 1;
          const again = keyed('daily');
          assert.equal(accepted((await store.append([again]))[0]).id, again.id);
          clock += 1000;
          assert.deepEqual(await store.append([keyed('daily')]), [{ status: 'DUPLICATE', originalEventId: again.id }]);
        });
      });

      describe('ordering and pagination', () => {
        it('pages DESC (newest first) and ASC with `after` as a position bound', async () => {
          const events = await appendAll([1, 2, 3, 4, 5].map((n) => pendingEvent({ payload: { n } })));
          const p = events.map((e) => e.position);
          const desc1 = await store.query('acme', { filter: ALL, first: 2, order: 'DESC' });
          assert.deepEqual(ids(desc1.events), ids([events[4]!, events[3]!]));
          assert.equal(desc1.hasNextPage, true);
          const desc2 = await store.query('acme', { filter: ALL, first: 2, order: 'DESC', after: p[3]! });
          assert.deepEqual(ids(desc2.events), ids([events[2]!, events[1]!]));
          const desc3 = await store.query('acme', { filter: ALL, first: 2, order: 'DESC', after: p[1]! });
          assert.deepEqual(ids(desc3.events), ids([events[0]!]));
          assert.equal(desc3.hasNextPage, false);

          const asc1 = await store.query('acme', { filter: ALL, first: 3, order: 'ASC' });
          assert.deepEqual(ids(asc1.events), ids(events.slice(0, 3)));
          assert.equal(asc1.hasNextPage, true);
          const asc2 = await store.query('acme', { filter: ALL, first: 3, order: 'ASC', after: p[2]! });
          assert.deepEqual(ids(asc2.events), ids(events.slice(3)));
          assert.equal(asc2.hasNextPage, false);
        });

        it('says there is no next page when the page holds exactly what is left', async () => {
          await appendAll([pendingEvent(), pendingEvent()]);
          const page = await store.query('acme', { filter: ALL, first: 2, order: 'ASC' });
          assert.equal(page.events.length, 2);
          assert.equal(page.hasNextPage, false);
        });

        it('applies the filter before the page size', async () => {
          const events = await appendAll([
            pendingEvent({ type: 'x.keep' }),
            pendingEvent({ type: 'x.drop' }),
            pendingEvent({ type: 'x.keep' }),
            pendingEvent({ type: 'x.keep' }),
          ]);
          const keep = filter({ types: ['x.keep'] });
          const page = await store.query('acme', { filter: keep, first: 2, order: 'ASC' });
          assert.deepEqual(ids(page.events), ids([events[0]!, events[2]!]));
          assert.equal(page.hasNextPage, true);
        });
      });

      describe('readAfter', () => {
        it('returns later events in ascending position order, up to the limit, filtered', async () => {
          const events = await appendAll(['x.a', 'x.b', 'x.a', 'x.b', 'x.a'].map((type) => pendingEvent({ type })));
          const p = events.map((e) => e.position);
          assert.deepEqual(ids(await store.readAfter('acme', p[1]!, ALL, 10)), ids(events.slice(2)));
          assert.deepEqual(ids(await store.readAfter('acme', p[1]!, ALL, 2)), ids(events.slice(2, 4)));
          assert.deepEqual(
            ids(await store.readAfter('acme', 0, filter({ types: ['x.a'] }), 10)),
            ids([events[0]!, events[2]!, events[4]!]),
          );
          assert.deepEqual(await store.readAfter('acme', p[4]!, ALL, 10), []);
        });

        it('lets a reader resume from the last position it saw and miss nothing', async () => {
          const first = await appendAll([pendingEvent(), pendingEvent()]);
          const seen = await store.readAfter('acme', 0, ALL, 10);
          const later = await appendAll([pendingEvent()]);
          const resumed = await store.readAfter('acme', seen.at(-1)!.position, ALL, 10);
          assert.deepEqual(ids([...seen, ...resumed]), ids([...first, ...later]));
        });

        it('throws CURSOR_EXPIRED beyond the head and below zero', async () => {
          const [event] = await appendAll([pendingEvent()]);
          await assert.rejects(store.readAfter('acme', event!.position + 1, ALL, 10), isCode('CURSOR_EXPIRED'));
          await assert.rejects(store.readAfter('acme', -1, ALL, 10), isCode('CURSOR_EXPIRED'));
        });

        it('serves an empty tenant from position 0 and nothing beyond', async () => {
          assert.equal(await store.headPosition('nobody'), 0);
          assert.deepEqual(await store.readAfter('nobody', 0, ALL, 10), []);
          await assert.rejects(store.readAfter('nobody', 1, ALL, 10), isCode('CURSOR_EXPIRED'));
        });
      });

      describe('readRange', () => {
        const readAll = async (pages: AsyncIterable<HubEvent[]>) => {
          const read: HubEvent[][] = [];
          for await (const page of pages) read.push(page);
          return read;
        };

        it('reads every matching event after `after` up to its head, ascending, in pages of at most `batch`', async () => {
          const events = await appendAll(
            ['x.a', 'x.b', 'x.a', 'x.a', 'x.b', 'x.a', 'x.a', 'x.b'].map((type) => pendingEvent({ type })),
          );
          const range = await store.readRange('acme', {
            after: events[0]!.position,
            filter: filter({ types: ['x.a'] }),
            batch: 2,
          });
          assert.equal(range.head, events.at(-1)!.position);
          const pages = await readAll(range.pages);
          assert.deepEqual(
            pages.map((page) => page.length),
            [2, 2],
          );
          assert.deepEqual(ids(pages.flat()), ids([events[2]!, events[3]!, events[5]!, events[6]!]));
        });

        it('fixes its head when it is opened: events appended while reading are not in it', async () => {
          const before = await appendAll([pendingEvent(), pendingEvent(), pendingEvent()]);
          const range = await store.readRange('acme', { after: 0, filter: ALL, batch: 1 });
          const first = await range.pages.next();
          await appendAll([pendingEvent(), pendingEvent()]);
          const rest = await readAll(range.pages);
          assert.equal(range.head, before.at(-1)!.position);
          assert.deepEqual(ids([...(first.value as HubEvent[]), ...rest.flat()]), ids(before));
        });

        it('ends at `upTo`, and `through` never takes the head below the safe head', async () => {
          const events = await appendAll([pendingEvent(), pendingEvent(), pendingEvent(), pendingEvent()]);
          const capped = await store.readRange('acme', { after: 0, filter: ALL, batch: 10, upTo: events[1]!.position });
          assert.equal(capped.head, events[1]!.position);
          assert.deepEqual(ids((await readAll(capped.pages)).flat()), ids(events.slice(0, 2)));
          const through = await store.readRange('acme', {
            after: 0,
            filter: ALL,
            batch: 10,
            through: events[0]!.position,
          });
          assert.equal(through.head, events[3]!.position);
        });

        it('lets the reader stop early', async () => {
          await appendAll([pendingEvent(), pendingEvent(), pendingEvent()]);
          const range = await store.readRange('acme', { after: 0, filter: ALL, batch: 1 });
          assert.equal((await range.pages.next()).done, false);
          assert.deepEqual(await range.pages.return?.(), { done: true, value: undefined });
          assert.equal((await range.pages.next()).done, true);
        });

        it('throws CURSOR_EXPIRED beyond the head and below zero, and serves an empty tenant from 0', async () => {
          const [event] = await appendAll([pendingEvent()]);
          await assert.rejects(
            store.readRange('acme', { after: event!.position + 1, filter: ALL, batch: 10 }),
            isCode('CURSOR_EXPIRED'),
          );
          await assert.rejects(
            store.readRange('acme', { after: -1, filter: ALL, batch: 10 }),
            isCode('CURSOR_EXPIRED'),
          );
          const empty = await store.readRange('nobody', { after: 0, filter: ALL, batch: 10 });
          assert.equal(empty.head, 0);
          assert.deepEqual(await readAll(empty.pages), []);
        });

        it('reads only its own tenant', async () => {
          const [mine] = await appendAll([pendingEvent({ tenantId: 'acme' })]);
          await appendAll([pendingEvent({ tenantId: 'globex' }), pendingEvent({ tenantId: 'globex' })]);
          const range = await store.readRange('acme', { after: 0, filter: ALL, batch: 10 });
          assert.deepEqual(ids((await readAll(range.pages)).flat()), [mine!.id]);
        });
      });

      describe('idempotencyRecord', () => {
        it('names the original event and counts the duplicates of a key, in later calls and inside one', async () => {
          const [original] = await appendAll([keyed('rec')]);
          assert.deepEqual(await store.idempotencyRecord('acme', 'rec'), {
            key: 'rec',
            eventId: original!.id,
            duplicates: 0,
            lastDuplicateAt: null,
            expiresAt: new Date(START + WINDOW_MS),
          });
          clock = START + 1000;
          await store.append([keyed('rec')]);
          clock = START + 2000;
          await store.append([keyed('rec'), keyed('other'), keyed('other'), keyed('other')]);
          const record = await store.idempotencyRecord('acme', 'rec');
          assert.equal(record?.duplicates, 2);
          assert.deepEqual(record?.lastDuplicateAt, new Date(START + 2000));
          assert.equal(
            (await store.idempotencyRecord('acme', 'other'))?.duplicates,
            2,
            'two followers of a key first seen in the same call',
          );
        });

        it('is null for an unknown key, for another tenant’s key, and once the window has passed', async () => {
          await appendAll([keyed('mine', { tenantId: 'acme' })]);
          assert.equal(await store.idempotencyRecord('acme', 'unknown'), null);
          assert.equal(await store.idempotencyRecord('globex', 'mine'), null);
          clock = START + WINDOW_MS + 1;
          assert.equal(await store.idempotencyRecord('acme', 'mine'), null);
        });

        it('starts over with the event of a new window', async () => {
          await appendAll([keyed('daily')]);
          await store.append([keyed('daily')]);
          clock = START + WINDOW_MS + 1;
          const [again] = await appendAll([keyed('daily')]);
          const record = await store.idempotencyRecord('acme', 'daily');
          assert.equal(record?.eventId, again!.id);
          assert.equal(record?.duplicates, 0);
          assert.deepEqual(record?.expiresAt, new Date(clock + WINDOW_MS));
        });
      });

      describe('count', () => {
        it('counts matching events up to the limit, and says when more match', async () => {
          await appendAll(['y.a', 'y.b', 'y.a', 'y.a'].map((type) => pendingEvent({ type })));
          await appendAll([pendingEvent({ type: 'y.a', tenantId: 'globex' })]);
          const ya = filter({ types: ['y.a'] });
          assert.deepEqual(await store.count('acme', ya, 3), { count: 3, capped: false });
          assert.deepEqual(await store.count('acme', ya, 2), { count: 2, capped: true });
          assert.deepEqual(await store.count('acme', ALL, 100), { count: 4, capped: false });
          assert.deepEqual(await store.count('globex', ya, 100), { count: 1, capped: false });
          assert.deepEqual(await store.count('initech', ALL, 100), { count: 0, capped: false });
        });
      });

      describe('countRange', () => {
        it('counts the matching events in (after, through] and gives the first ids in position order', async () => {
          const events = await appendAll(
            ['x.a', 'x.b', 'x.a', 'x.a', 'x.b', 'x.a', 'x.a', 'x.b'].map((type) => pendingEvent({ type })),
          );
          const xa = filter({ types: ['x.a'] });
          const counted = await store.countRange('acme', {
            after: events[0]!.position,
            through: events[5]!.position,
            filter: xa,
            sample: 2,
          });
          assert.deepEqual(counted, { total: 3, sample: ids([events[2]!, events[3]!]) });
          const all = await store.countRange('acme', {
            after: 0,
            through: events.at(-1)!.position,
            filter: ALL,
            sample: 100,
          });
          assert.deepEqual(all, { total: 8, sample: ids(events) });
          assert.deepEqual(
            await store.countRange('acme', { after: 0, through: events.at(-1)!.position, filter: xa, sample: 0 }),
            { total: 5, sample: [] },
          );
          assert.deepEqual(
            await store.countRange('acme', {
              after: events[3]!.position,
              through: events[3]!.position,
              filter: ALL,
              sample: 5,
            }),
            { total: 0, sample: [] },
          );
        });

        it('counts only its own tenant, and throws CURSOR_EXPIRED below zero', async () => {
          const [mine] = await appendAll([pendingEvent({ tenantId: 'acme' })]);
          const theirs = await appendAll([pendingEvent({ tenantId: 'globex' }), pendingEvent({ tenantId: 'globex' })]);
          const through = Math.max(mine!.position, ...theirs.map((e) => e.position));
          assert.deepEqual(await store.countRange('acme', { after: 0, through, filter: ALL, sample: 5 }), {
            total: 1,
            sample: [mine!.id],
          });
          await assert.rejects(
            store.countRange('acme', { after: -1, through, filter: ALL, sample: 5 }),
            isCode('CURSOR_EXPIRED'),
          );
        });
      });

      describe('deleteRange', () => {
        const later = () => new Date(Date.now() + 60_000);
        const expiredAt = (purged: number) => (error: unknown) =>
          isHubError(error) &&
          error.code === 'CURSOR_EXPIRED' &&
          error.extensions['oldestPosition'] === String(purged + 1) &&
          error.extensions['resumeAfter'] === String(purged);
        const drain = async (pages: AsyncIterable<HubEvent[]>) => {
          const read: HubEvent[] = [];
          for await (const page of pages) read.push(...page);
          return read;
        };

        it('removes a prefix: reads from below it are CURSOR_EXPIRED naming the oldest position served, reads from it go on', async () => {
          const events = await appendAll([1, 2, 3, 4, 5].map((n) => pendingEvent({ payload: { n } })));
          const p = events.map((e) => e.position);
          assert.equal(await store.purgedThrough('acme'), 0);
          assert.equal(await store.deleteRange('acme', { upTo: p[1]!, receivedBefore: later() }), 2);
          assert.equal(await store.purgedThrough('acme'), p[1]);
          assert.equal(await store.get('acme', events[0]!.id), null);
          await assert.rejects(store.readAfter('acme', p[0]!, ALL, 10), expiredAt(p[1]!));
          await assert.rejects(store.readRange('acme', { after: 0, filter: ALL, batch: 10 }), expiredAt(p[1]!));
          await assert.rejects(
            store.countRange('acme', { after: 0, through: p[4]!, filter: ALL, sample: 1 }),
            expiredAt(p[1]!),
          );
          await assert.rejects(
            store.query('acme', { filter: ALL, first: 10, order: 'ASC', after: p[0]! }),
            expiredAt(p[1]!),
          );
          await assert.rejects(
            store.query('acme', { filter: ALL, first: 10, order: 'DESC', after: p[2]! }),
            expiredAt(p[1]!),
          );
          assert.deepEqual(ids(await store.readAfter('acme', p[1]!, ALL, 10)), ids(events.slice(2)));
          assert.deepEqual(
            ids(await drain((await store.readRange('acme', { after: p[1]!, filter: ALL, batch: 2 })).pages)),
            ids(events.slice(2)),
          );
          const desc = await store.query('acme', { filter: ALL, first: 10, order: 'DESC' });
          assert.deepEqual(ids(desc.events), ids(events.slice(2).reverse()));
          assert.equal(desc.hasNextPage, false);
          assert.deepEqual(
            ids((await store.query('acme', { filter: ALL, first: 10, order: 'ASC' })).events),
            ids(events.slice(2)),
          );
        });

        it('is idempotent, stops at the safe head and touches no other tenant', async () => {
          const events = await appendAll([pendingEvent(), pendingEvent(), pendingEvent()]);
          const [theirs] = await appendAll([pendingEvent({ tenantId: 'globex' })]);
          const p = events.map((e) => e.position);
          assert.equal(await store.deleteRange('acme', { upTo: p[0]!, receivedBefore: later() }), 1);
          assert.equal(await store.deleteRange('acme', { upTo: p[0]!, receivedBefore: later() }), 0);
          assert.equal(await store.deleteRange('nobody', { upTo: 10, receivedBefore: later() }), 0);
          assert.equal(await store.deleteRange('acme', { upTo: p[2]! + 100, receivedBefore: later() }), 2);
          assert.equal(await store.purgedThrough('acme'), p[2]);
          assert.equal(await store.headPosition('acme'), p[2]);
          assert.deepEqual(await store.readAfter('acme', p[2]!, ALL, 10), []);
          const [next] = await appendAll([pendingEvent()]);
          assert.ok(next!.position > p[2]!);
          assert.deepEqual(ids(await store.readAfter('acme', p[2]!, ALL, 10)), [next!.id]);
          assert.deepEqual(await store.get('globex', theirs!.id), theirs);
          assert.equal(await store.purgedThrough('globex'), 0);
        });

        it('deletes nothing when the range holds an event received at or after receivedBefore', async () => {
          const events = await appendAll([
            pendingEvent({ receivedAt: new Date('2024-01-01T00:00:00Z') }),
            pendingEvent({ receivedAt: new Date('2024-01-02T00:00:00Z') }),
          ]);
          await assert.rejects(
            store.deleteRange('acme', { upTo: events[1]!.position, receivedBefore: new Date('2024-01-02T00:00:00Z') }),
          );
          assert.equal(await store.purgedThrough('acme'), 0);
          assert.deepEqual(
            ids((await store.query('acme', { filter: ALL, first: 10, order: 'ASC' })).events),
            ids(events),
          );
        });

        it('ends a range being read with CURSOR_EXPIRED when what it had still to read is deleted', async () => {
          const events = await appendAll([pendingEvent(), pendingEvent(), pendingEvent(), pendingEvent()]);
          const range = await store.readRange('acme', { after: 0, filter: ALL, batch: 1 });
          assert.deepEqual(ids((await range.pages.next()).value as HubEvent[]), [events[0]!.id]);
          await store.deleteRange('acme', { upTo: events[2]!.position, receivedBefore: later() });
          await assert.rejects(drain(range.pages), isCode('CURSOR_EXPIRED'));
        });
      });

      describe('tenant isolation', () => {
        it('never shows or counts another tenant’s events', async () => {
          const [mine] = await appendAll([pendingEvent({ tenantId: 'acme', type: 'x.shared' })]);
          const [theirs] = await appendAll([
            pendingEvent({ tenantId: 'globex', type: 'x.shared' }),
            pendingEvent({ tenantId: 'globex', type: 'x.shared' }),
          ]);
          const shared = filter({ types: ['x.shared'] });
          assert.equal(await store.get('acme', theirs!.id), null);
          assert.deepEqual(ids((await store.query('acme', { filter: shared, first: 10, order: 'DESC' })).events), [
            mine!.id,
          ]);
          assert.deepEqual(await store.stats('acme', shared, 'TYPE'), [{ key: 'x.shared', count: 1 }]);
          assert.deepEqual(ids(await store.readAfter('acme', 0, shared, 10)), [mine!.id]);
          assert.equal(await store.headPosition('acme'), mine!.position);
          assert.deepEqual(await store.stats('initech', ALL, 'TYPE'), []);
        });

        it('hints at least the safe head, and at least every position handed out', async () => {
          assert.equal(await store.positionHint('acme'), 0);
          const events = await appendAll([pendingEvent(), pendingEvent(), pendingEvent({ tenantId: 'globex' })]);
          const head = await store.headPosition('acme');
          assert.ok((await store.positionHint('acme')) >= head);
          assert.ok((await store.positionHint('acme')) >= events[1]!.position);
          assert.equal(await store.positionHint('initech'), 0);
        });

        it('names every tenant with events, and no other', async () => {
          assert.deepEqual(await store.tenants(), []);
          await appendAll([
            pendingEvent({ tenantId: 'acme' }),
            pendingEvent({ tenantId: 'globex' }),
            pendingEvent({ tenantId: 'acme' }),
          ]);
          await store.headPosition('initech'); // asking about a tenant does not create it
          await store.readAfter('initech', 0, ALL, 1);
          assert.deepEqual((await store.tenants()).sort(), ['acme', 'globex']);
        });
      });
    });

    describe('filters and stats over fixed events', () => {
      let subject: StoreUnderTest;
      let store: EventStore;
      const idOf = new Map<Label, string>();
      before(async () => {
        subject = await makeStore({ idempotencyWindowMs: WINDOW_MS, now: () => START });
        store = subject.store;
        const received = new Date('2024-03-04T00:00:00.000Z');
        const events = LABELS.map((label) =>
          pendingEvent({ tenantId: 'acme', receivedAt: received, ...FILTER_FIXTURES[label] } as Partial<PendingEvent>),
        );
        // Another tenant with copies of the same events: no filter may reach them.
        const others = events.map((e) => pendingEvent({ ...e, tenantId: 'globex' }));
        const outcomes = await store.append([...events, ...others]);
        LABELS.forEach((label, i) => {
          idOf.set(label, accepted(outcomes[i]).id);
        });
      });
      after(() => subject.close());

      for (const { name: caseName, filter: input, expected } of FILTER_CASES) {
        it(`selects the same events as MongoDB semantics: ${caseName}`, async () => {
          const compiled = compileFilter(input);
          const want = expected.map((label) => idOf.get(label));
          const asc = await store.query('acme', { filter: compiled, first: 50, order: 'ASC' });
          assert.deepEqual(
            asc.events.map((e) => e.id),
            want,
            'query ASC',
          );
          const desc = await store.query('acme', { filter: compiled, first: 50, order: 'DESC' });
          assert.deepEqual(
            desc.events.map((e) => e.id),
            [...want].reverse(),
            'query DESC',
          );
          assert.deepEqual(
            (await store.readAfter('acme', 0, compiled, 50)).map((e) => e.id),
            want,
            'readAfter',
          );
          const total = (await store.stats('acme', compiled, 'TYPE')).reduce((sum, s) => sum + s.count, 0);
          assert.equal(total, want.length, 'stats');
        });
      }

      const STATS: { groupBy: StatsGroup; filter: EventFilter | null; expected: [string, number][] }[] = [
        {
          groupBy: 'TYPE',
          filter: null,
          expected: [
            ['order.created', 2],
            ['lead.contact.ingested', 1],
            ['lead.created', 1],
            ['order.shipped', 1],
            ['order.updated', 1],
            ['order_v2.created', 1],
            ['system.replay.started', 1],
          ],
        },
        {
          groupBy: 'SOURCE',
          filter: null,
          expected: [
            ['WORKFLOW:wf-1', 2],
            ['CRON:nightly', 1],
            ['EXTERNAL:form-1', 1],
            ['INTEGRATION:hubspot', 1],
            ['INTEGRATION:shopify', 1],
            ['MANUAL:console', 1],
            ['SYSTEM:hub', 1],
          ],
        },
        {
          groupBy: 'HOUR',
          filter: null,
          expected: [
            ['2024-03-01T10:00:00Z', 2],
            ['2024-03-01T11:00:00Z', 1],
            ['2024-03-01T23:00:00Z', 1],
            ['2024-03-02T00:00:00Z', 1],
            ['2024-03-02T08:00:00Z', 1],
            ['2024-03-03T01:00:00Z', 1],
            ['2024-03-03T02:00:00Z', 1],
          ],
        },
        {
          groupBy: 'DAY',
          filter: null,
          expected: [
            ['2024-03-01', 4],
            ['2024-03-02', 2],
            ['2024-03-03', 2],
          ],
        },
        {
          groupBy: 'TYPE',
          filter: { types: ['order.>'] },
          expected: [
            ['order.created', 2],
            ['order.shipped', 1],
            ['order.updated', 1],
          ],
        },
        { groupBy: 'DAY', filter: { sourceTypes: ['INTEGRATION'] }, expected: [['2024-03-01', 2]] },
        { groupBy: 'SOURCE', filter: { correlationId: 'nope' }, expected: [] },
      ];
      for (const { groupBy, filter: input, expected } of STATS) {
        it(`counts by ${groupBy}${input ? ` with filter ${JSON.stringify(input)}` : ''}, in the agreed order`, async () => {
          const stats = await store.stats('acme', compileFilter(input), groupBy);
          assert.deepEqual(
            stats,
            expected.map(([key, count]) => ({ key, count })),
          );
        });
      }
    });
  });
}
