// The HandlerStore contract: the guarantees of src/handlers/handler-store.ts, run on every adapter.
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { isHubError } from '../../src/errors.ts';
import type { HubEvent, PendingEvent } from '../../src/events/event.ts';
import { compileFilter, type CompiledFilter, type EventFilter } from '../../src/filter/index.ts';
import { compareDeadLetters, encodeDeadLetterCursor } from '../../src/handlers/dead-letter-cursor.ts';
import type { DeadLetter, DeadLetterPage, HandlerStore, LineState } from '../../src/handlers/handler-store.ts';
import { pendingEvent } from '../support/fixtures.ts';
import type { CleanupScope } from '../support/servers.ts';
import { runOutcomeContract } from './handler-outcomes.contract.ts';
import { FILTER_CASES, FILTER_FIXTURES, LABELS, type Label } from './filter-cases.ts';

export interface HandlerStoreUnderTest {
  store: HandlerStore;
  /** Another store on the same data, as a second hub process opens it (memory: the same store). */
  peer(): Promise<HandlerStore>;
}

/** A fresh, empty store; cleanup registered on `scope`. */
export type MakeHandlerStore = (scope: CleanupScope) => Promise<HandlerStoreUnderTest>;

type NewLetter = Omit<DeadLetter, 'id' | 'status'>;

const T0 = Date.parse('2024-05-01T08:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000);
const ALL = compileFilter(null);
const isCode = (code: string) => (error: unknown) => isHubError(error) && error.code === code;

let nextPosition = 0;
/** A stored event: the fixture's pending event plus a position. */
const hubEvent = (overrides: Partial<PendingEvent> = {}): HubEvent => ({
  ...pendingEvent(overrides),
  position: ++nextPosition,
});

interface LetterOptions {
  handler?: string;
  deadAt?: Date;
  message?: string;
  code?: string;
  attempts?: number;
}

const letterFor = (event: HubEvent, options: LetterOptions = {}): NewLetter => {
  const deadAt = options.deadAt ?? at(0);
  return {
    tenantId: event.tenantId,
    handler: options.handler ?? 'crm.notify',
    event,
    error: {
      message: options.message ?? 'boom',
      code: options.code ?? 'HANDLER_ERROR',
      attempts: options.attempts ?? 3,
      lastAttempt: new Date(deadAt.getTime() - 1),
    },
    deadAt,
  };
};

const stored = (letter: NewLetter, id: string, status: DeadLetter['status'] = 'DEAD'): DeadLetter => ({
  ...letter,
  id,
  status,
});
const ids = (letters: readonly DeadLetter[]) => letters.map((l) => l.id);
const newestFirst = (letters: readonly DeadLetter[]) =>
  [...letters].sort((a, b) =>
    compareDeadLetters({ deadAt: a.deadAt.getTime(), id: a.id }, { deadAt: b.deadAt.getTime(), id: b.id }),
  );
const byHandler = (lines: LineState[]) =>
  [...lines].sort((a, b) => (a.handler < b.handler ? -1 : a.handler > b.handler ? 1 : 0));

const line = (overrides: Partial<LineState> = {}): LineState => ({
  handler: 'crm.notify',
  tenantId: 'acme',
  position: 7,
  attempts: 0,
  processed: 7,
  failed: 0,
  ...overrides,
});

/** Every page of a listing, following endCursor until hasNextPage is false. */
async function allPages(
  store: HandlerStore,
  tenantId: string,
  filter: CompiledFilter,
  first: number,
): Promise<DeadLetterPage[]> {
  const pages: DeadLetterPage[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await store.deadLetters(tenantId, { filter, first, ...(after !== undefined && { after }) });
    pages.push(page);
    if (!page.hasNextPage) return pages;
    assert.ok(page.endCursor, 'a page with a next page has an endCursor');
    after = page.endCursor;
    assert.ok(pages.length < 50, 'paging ends');
  }
}

const list = async (store: HandlerStore, tenantId: string, filter: CompiledFilter = ALL) =>
  (await store.deadLetters(tenantId, { filter, first: 100 })).deadLetters;

export function runHandlerStoreContract(name: string, make: MakeHandlerStore): void {
  describe(`HandlerStore contract on ${name}`, () => {
    const setup = async (t: TestContext) => {
      const subject = await make(t);
      t.after(() => subject.store.close());
      return subject;
    };

    describe('lines', () => {
      it('has no state for a line before its first save', async (t) => {
        const { store } = await setup(t);
        assert.equal(await store.line('crm.notify', 'acme'), null);
        assert.deepEqual(await store.lines('acme'), []);
      });

      it('returns a saved line field for field, and a second save replaces it whole', async (t) => {
        const { store } = await setup(t);
        const waiting = line({
          attempts: 2,
          retryAt: T0 + 5000,
          lastError: { message: 'timed out', code: 'HANDLER_TIMEOUT' },
          failed: 1,
        });
        await store.saveLine(waiting);
        assert.deepEqual(await store.line('crm.notify', 'acme'), waiting);

        const movedOn = line({ position: 8, processed: 8, failed: 1 });
        await store.saveLine(movedOn);
        const read = await store.line('crm.notify', 'acme');
        assert.deepEqual(read, movedOn);
        assert.equal('retryAt' in read!, false, 'a field the new state lacks is gone');
        assert.equal('lastError' in read!, false);
      });

      it('lists every line of a tenant and no other tenant’s', async (t) => {
        const { store } = await setup(t);
        const a1 = line({ handler: 'a.one', position: 1 });
        const a2 = line({ handler: 'b.two', position: 2, attempts: 1, retryAt: T0 });
        const g1 = line({ handler: 'a.one', tenantId: 'globex', position: 40 });
        for (const state of [a1, g1, a2]) await store.saveLine(state);
        assert.deepEqual(byHandler(await store.lines('acme')), [a1, a2]);
        assert.deepEqual(await store.lines('globex'), [g1]);
        assert.deepEqual(await store.lines('initech'), []);
        assert.deepEqual(await store.line('a.one', 'globex'), g1, 'a line is named by handler and tenant');
        assert.deepEqual(await store.line('a.one', 'acme'), a1);
        assert.equal(await store.line('b.two', 'globex'), null);
      });
    });

    describe('dead letters', () => {
      it('returns a dead letter field for field from addDeadLetter and from deadLetters', async (t) => {
        const { store } = await setup(t);
        const event = hubEvent({
          subject: 'contact/7',
          timestamp: new Date('2024-01-02T03:04:05.678Z'),
          receivedAt: new Date('2024-01-02T03:04:06.001Z'),
          payload: {
            n: 1,
            x: 2.5,
            big: 2 ** 40,
            neg: -3,
            s: 'é',
            ok: false,
            none: null,
            list: [1, 'two', { three: 3 }],
            deep: { a: { b: [] } },
            empty: {},
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
        const input = letterFor(event, { deadAt: at(10), message: 'no such contact', code: 'NOT_FOUND', attempts: 3 });
        const letter = await store.addDeadLetter(input);
        assert.equal(typeof letter.id, 'string');
        assert.ok(letter.id.length > 0);
        assert.deepEqual(letter, stored(input, letter.id));
        assert.ok(
          letter.event.timestamp instanceof Date &&
            letter.deadAt instanceof Date &&
            letter.error.lastAttempt instanceof Date,
        );
        assert.equal(typeof letter.event.position, 'number');

        const page = await store.deadLetters('acme', { filter: ALL, first: 10 });
        assert.deepEqual(page.deadLetters, [letter]);
        assert.equal(page.hasNextPage, false);
      });

      it('leaves out optional event fields the event did not have', async (t) => {
        const { store } = await setup(t);
        const input = letterFor(hubEvent());
        const letter = await store.addDeadLetter(input);
        const [read] = await list(store, 'acme');
        assert.deepEqual(read, letter);
        assert.equal('subject' in read!.event, false);
        assert.deepEqual(read!.event.metadata, {});
      });

      it('keeps one letter per (tenant, handler, event): a second add updates error and deadAt, keeps the id and makes it DEAD again', async (t) => {
        const { store } = await setup(t);
        const event = hubEvent();
        const first = await store.addDeadLetter(letterFor(event, { deadAt: at(1), message: 'first failure' }));
        assert.equal(await store.redrive('acme', [first.id]), 1);
        assert.equal((await store.redriven('crm.notify', 'acme', 10))[0]?.status, 'REDRIVEN');

        // The redrive failed again.
        const again = letterFor(event, { deadAt: at(9), message: 'second failure', code: 'UNAVAILABLE', attempts: 4 });
        const second = await store.addDeadLetter(again);
        assert.deepEqual(second, stored(again, first.id));
        assert.deepEqual(await list(store, 'acme'), [second]);
        assert.deepEqual(await store.redriven('crm.notify', 'acme', 10), [], 'DEAD again, no longer queued');

        // A crash before the line moved on: the same call repeated.
        assert.deepEqual(await store.addDeadLetter(again), second);
        assert.deepEqual(await list(store, 'acme'), [second]);
      });

      it('keeps letters of another handler, and of the same event id in another tenant, apart', async (t) => {
        const { store } = await setup(t);
        const event = hubEvent();
        const mine = await store.addDeadLetter(letterFor(event, { deadAt: at(1) }));
        const otherHandler = await store.addDeadLetter(letterFor(event, { handler: 'crm.audit', deadAt: at(2) }));
        const copy = { ...event, tenantId: 'globex' };
        const theirs = await store.addDeadLetter(letterFor(copy, { deadAt: at(3), message: 'theirs' }));
        assert.equal(new Set([mine.id, otherHandler.id, theirs.id]).size, 3);
        assert.deepEqual(await list(store, 'acme'), [otherHandler, mine]);
        assert.deepEqual(await list(store, 'globex'), [theirs]);
      });

      it('stores one letter when two processes add the same one at once', async (t) => {
        const subject = await setup(t);
        const { store } = subject;
        const peer = await subject.peer();
        const rounds = 3;
        const events = Array.from({ length: rounds }, () => hubEvent());
        for (const [i, event] of events.entries()) {
          const mine = letterFor(event, { deadAt: at(10 + i), message: `mine ${i}` });
          const theirs = letterFor(event, { deadAt: at(10 + i), message: `theirs ${i}` });
          const [a, b] = await Promise.all([store.addDeadLetter(mine), peer.addDeadLetter(theirs)]);
          assert.equal(a.id, b.id, 'both calls answer with the one letter');
          assert.equal(a.status, 'DEAD');
          assert.equal(b.status, 'DEAD');
        }
        const letters = await list(store, 'acme');
        assert.equal(letters.length, rounds, JSON.stringify(ids(letters)));
        assert.deepEqual(
          letters.map((l) => l.event.id),
          [...events].reverse().map((e) => e.id),
        );
        for (const [i, letter] of [...letters].reverse().entries()) {
          assert.ok([`mine ${i}`, `theirs ${i}`].includes(letter.error.message), letter.error.message);
          assert.equal(letter.status, 'DEAD');
        }
        assert.deepEqual(await list(peer, 'acme'), letters, 'both processes see the same letters');
      });

      it('pages newest first, by deadAt then id, with no repeats and no gaps', async (t) => {
        const { store } = await setup(t);
        const seconds = [5, 1, 3, 3, 3, 2, 4];
        const added: DeadLetter[] = [];
        for (const [i, s] of seconds.entries()) {
          added.push(
            await store.addDeadLetter(
              letterFor(hubEvent(), { deadAt: at(s), handler: i % 2 ? 'crm.audit' : 'crm.notify' }),
            ),
          );
          // Another tenant's letters in between, at the same times: never on acme's pages.
          await store.addDeadLetter(letterFor(hubEvent({ tenantId: 'globex' }), { deadAt: at(s) }));
        }
        const expected = newestFirst(added);

        const pages = await allPages(store, 'acme', ALL, 2);
        assert.deepEqual(
          pages.map((p) => p.deadLetters.length),
          [2, 2, 2, 1],
        );
        assert.deepEqual(
          pages.map((p) => p.hasNextPage),
          [true, true, true, false],
        );
        for (const page of pages) {
          const last = page.deadLetters.at(-1)!;
          assert.equal(page.endCursor, encodeDeadLetterCursor({ deadAt: last.deadAt.getTime(), id: last.id }));
        }
        assert.deepEqual(
          pages.flatMap((p) => p.deadLetters),
          expected,
        );

        const whole = await store.deadLetters('acme', { filter: ALL, first: 7 });
        assert.deepEqual(whole.deadLetters, expected);
        assert.equal(whole.hasNextPage, false);
        const beyond = await store.deadLetters('acme', { filter: ALL, first: 2, after: whole.endCursor! });
        assert.deepEqual(beyond, { deadLetters: [], hasNextPage: false, endCursor: null });
        assert.deepEqual(await store.deadLetters('initech', { filter: ALL, first: 2 }), {
          deadLetters: [],
          hasNextPage: false,
          endCursor: null,
        });
      });

      it('continues from a cursor when newer letters arrived since, without repeating or skipping', async (t) => {
        const { store } = await setup(t);
        const added: DeadLetter[] = [];
        for (const s of [1, 2, 3, 4]) added.push(await store.addDeadLetter(letterFor(hubEvent(), { deadAt: at(s) })));
        const first = await store.deadLetters('acme', { filter: ALL, first: 2 });
        const newer = await store.addDeadLetter(letterFor(hubEvent(), { deadAt: at(100) }));
        const rest = await store.deadLetters('acme', { filter: ALL, first: 10, after: first.endCursor! });
        assert.deepEqual([...first.deadLetters, ...rest.deadLetters], newestFirst(added));
        assert.equal(rest.hasNextPage, false);
        assert.deepEqual((await list(store, 'acme'))[0], newer);
      });

      it('refuses a cursor that no page gave out with BAD_USER_INPUT', async (t) => {
        const { store } = await setup(t);
        await store.addDeadLetter(letterFor(hubEvent()));
        const forged = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
        for (const after of ['not a cursor', forged({ deadAt: 1, id: 'x' }), forged(['soon', 'x']), forged([1])]) {
          await assert.rejects(
            store.deadLetters('acme', { filter: ALL, first: 5, after }),
            isCode('BAD_USER_INPUT'),
            after,
          );
        }
      });

      it('redrive queues DEAD letters of the tenant only and counts each one once', async (t) => {
        const { store } = await setup(t);
        const a = await store.addDeadLetter(letterFor(hubEvent(), { deadAt: at(1) }));
        const b = await store.addDeadLetter(letterFor(hubEvent(), { deadAt: at(2), handler: 'crm.audit' }));
        const c = await store.addDeadLetter(letterFor(hubEvent(), { deadAt: at(3) }));
        const theirs = await store.addDeadLetter(letterFor(hubEvent({ tenantId: 'globex' }), { deadAt: at(4) }));

        assert.equal(await store.redrive('acme', []), 0);
        assert.equal(await store.redrive('globex', [a.id, b.id]), 0, 'another tenant’s ids count 0');
        assert.equal(
          await store.redrive('acme', [theirs.id, 'no-such-letter']),
          0,
          'other tenants’ and unknown ids count 0',
        );
        assert.equal(await store.redrive('acme', [a.id, a.id, b.id]), 2, 'an id named twice counts once');
        assert.equal(await store.redrive('acme', [a.id, b.id, c.id]), 1, 'letters already queued count 0');
        assert.equal(await store.redrive('acme', [a.id, b.id, c.id]), 0);

        const statuses = Object.fromEntries((await list(store, 'acme')).map((l) => [l.id, l.status]));
        assert.deepEqual(statuses, { [a.id]: 'REDRIVEN', [b.id]: 'REDRIVEN', [c.id]: 'REDRIVEN' });
        assert.deepEqual(await list(store, 'globex'), [theirs], 'the other tenant’s letter stayed DEAD');
        assert.equal(await store.redrive('globex', [theirs.id]), 1);
      });

      it('redriven lists one line’s REDRIVEN letters, oldest first, up to the limit', async (t) => {
        const { store } = await setup(t);
        const add = (options: LetterOptions, tenantId = 'acme') =>
          store.addDeadLetter(letterFor(hubEvent({ tenantId }), options));
        const late = await add({ deadAt: at(30) });
        const early = await add({ deadAt: at(10) });
        const middle = await add({ deadAt: at(20) });
        const stillDead = await add({ deadAt: at(5) });
        const otherHandler = await add({ deadAt: at(1), handler: 'crm.audit' });
        const otherTenant = await add({ deadAt: at(2) }, 'globex');
        assert.equal(await store.redrive('acme', [late.id, early.id, middle.id, otherHandler.id]), 4);
        assert.equal(await store.redrive('globex', [otherTenant.id]), 1);

        const queued = [early, middle, late].map((l) => ({ ...l, status: 'REDRIVEN' as const }));
        assert.deepEqual(await store.redriven('crm.notify', 'acme', 10), queued);
        assert.deepEqual(await store.redriven('crm.notify', 'acme', 2), queued.slice(0, 2));
        assert.deepEqual(await store.redriven('crm.notify', 'acme', 0), []);
        assert.deepEqual(ids(await store.redriven('crm.audit', 'acme', 10)), [otherHandler.id]);
        assert.deepEqual(ids(await store.redriven('crm.notify', 'globex', 10)), [otherTenant.id]);
        assert.deepEqual(await store.redriven('crm.notify', 'initech', 10), []);
        assert.ok(!ids(await store.redriven('crm.notify', 'acme', 10)).includes(stillDead.id));
      });

      it('resolve removes the tenant’s letter and nothing of another tenant', async (t) => {
        const { store } = await setup(t);
        const mine = await store.addDeadLetter(letterFor(hubEvent(), { deadAt: at(1) }));
        const other = await store.addDeadLetter(letterFor(hubEvent(), { deadAt: at(2) }));
        const theirs = await store.addDeadLetter(letterFor(hubEvent({ tenantId: 'globex' }), { deadAt: at(3) }));
        await store.redrive('acme', [mine.id]);

        await store.resolve('globex', mine.id);
        assert.equal((await list(store, 'acme')).length, 2, 'another tenant cannot resolve it');
        await store.resolve('acme', theirs.id);
        assert.deepEqual(await list(store, 'globex'), [theirs]);

        await store.resolve('acme', mine.id);
        assert.deepEqual(await list(store, 'acme'), [other]);
        assert.deepEqual(await store.redriven('crm.notify', 'acme', 10), []);
        assert.equal(await store.redrive('acme', [mine.id]), 0);
        await store.resolve('acme', mine.id); // already gone: nothing happens
        await store.resolve('acme', 'no-such-letter');

        // The same event failing later is a dead letter again.
        const back = await store.addDeadLetter(letterFor(mine.event, { deadAt: at(9) }));
        assert.equal(back.status, 'DEAD');
        assert.deepEqual(ids(await list(store, 'acme')), [back.id, other.id]);
      });

      it('never answers with another tenant’s letters, whatever the filter or cursor', async (t) => {
        const { store } = await setup(t);
        const event = hubEvent({ type: 'order.created' });
        await store.addDeadLetter(letterFor(event, { deadAt: at(5) }));
        const acmePage = await store.deadLetters('acme', { filter: ALL, first: 1 });
        const theirs = await store.addDeadLetter(
          letterFor(hubEvent({ tenantId: 'globex', type: 'order.created' }), { deadAt: at(1) }),
        );
        const wide = compileFilter({ types: ['order.*', 'crm.>'], patterns: [{ kind: 'REGEX', value: '.' }] });
        assert.deepEqual(await list(store, 'globex', wide), [theirs]);
        assert.deepEqual(
          (await store.deadLetters('globex', { filter: ALL, first: 5, after: acmePage.endCursor! })).deadLetters,
          [theirs],
        );
        assert.deepEqual(await list(store, 'initech', wide), []);
      });
    });

    describe('dead letters by event filter, over fixed events', () => {
      const cleanups: (() => Promise<void>)[] = [];
      const scope: CleanupScope = { after: (fn) => void cleanups.push(fn) };
      let store: HandlerStore;
      const idOf = new Map<Label, string>();
      before(async () => {
        const subject = await make(scope);
        store = subject.store;
        const received = new Date('2024-03-04T00:00:00.000Z');
        // deadAt follows label order, so newest first is reverse label order.
        for (const [i, label] of LABELS.entries()) {
          const fixture = FILTER_FIXTURES[label] as Partial<PendingEvent>;
          const letter = await store.addDeadLetter(
            letterFor(hubEvent({ ...fixture, receivedAt: received }), { deadAt: at(i) }),
          );
          idOf.set(label, letter.id);
          // Another tenant with copies of the same events: no filter may reach them.
          await store.addDeadLetter(
            letterFor(hubEvent({ ...fixture, tenantId: 'globex', receivedAt: received }), { deadAt: at(i) }),
          );
        }
      });
      after(async () => {
        await store.close();
        for (const cleanup of cleanups) await cleanup();
      });

      const labelled = (expected: readonly Label[]) => [...expected].reverse().map((label) => idOf.get(label));

      for (const { name: caseName, filter: input, expected } of FILTER_CASES) {
        it(`selects the letters whose event EventStore.query would select: ${caseName}`, async () => {
          assert.deepEqual(ids(await list(store, 'acme', compileFilter(input))), labelled(expected));
        });
      }

      const named: { name: string; filter: EventFilter; expected: Label[] }[] = [
        { name: 'a type pattern', filter: { types: ['order.>'] }, expected: ['a', 'b', 'c', 'h'] },
        {
          name: 'a where condition on the payload',
          filter: { where: [{ path: 'payload.customer.country', op: 'EQ', value: 'DE' }] },
          expected: ['a'],
        },
        {
          name: 'a time range on the event’s timestamp',
          filter: { from: new Date('2024-03-01T10:45:00Z'), to: new Date('2024-03-02T08:30:00Z') },
          expected: ['b', 'c', 'd', 'e'],
        },
      ];
      for (const { name: caseName, filter, expected } of named) {
        it(`filters by ${caseName}, and pages the filtered list`, async () => {
          const compiled = compileFilter(filter);
          const pages = await allPages(store, 'acme', compiled, 1);
          assert.deepEqual(ids(pages.flatMap((p) => p.deadLetters)), labelled(expected));
          assert.equal(pages.length, expected.length);
          assert.deepEqual(await list(store, 'initech', compiled), []);
          const theirs = await list(store, 'globex', compiled);
          assert.equal(theirs.length, expected.length);
          assert.ok(theirs.every((l) => l.tenantId === 'globex' && l.event.tenantId === 'globex'));
        });
      }
    });

    describe('projections', () => {
      it('answers null for a key never put', async (t) => {
        const { store } = await setup(t);
        assert.equal(await store.getProjection('acme', 'contacts', 'c-1'), null);
      });

      it('returns what was put, and a second put replaces the value whole', async (t) => {
        const { store } = await setup(t);
        const value = {
          count: 2,
          total: 12.5,
          names: ['Ada', 'Grace'],
          nested: { ok: true, none: null },
          since: new Date('2024-01-01T00:00:00.000Z'),
        };
        await store.putProjection('acme', 'contacts', 'c-1', value);
        assert.deepEqual(await store.getProjection('acme', 'contacts', 'c-1'), value);
        await store.putProjection('acme', 'contacts', 'c-1', { count: 3 });
        assert.deepEqual(await store.getProjection('acme', 'contacts', 'c-1'), { count: 3 });
      });

      it('keeps projections apart by tenant, projection and key', async (t) => {
        const { store } = await setup(t);
        await store.putProjection('acme', 'contacts', 'c-1', { who: 'acme contacts c-1' });
        await store.putProjection('acme', 'contacts', 'c-2', { who: 'acme contacts c-2' });
        await store.putProjection('acme', 'orders', 'c-1', { who: 'acme orders c-1' });
        await store.putProjection('globex', 'contacts', 'c-1', { who: 'globex contacts c-1' });
        assert.deepEqual(await store.getProjection('acme', 'contacts', 'c-1'), { who: 'acme contacts c-1' });
        assert.deepEqual(await store.getProjection('acme', 'contacts', 'c-2'), { who: 'acme contacts c-2' });
        assert.deepEqual(await store.getProjection('acme', 'orders', 'c-1'), { who: 'acme orders c-1' });
        assert.deepEqual(await store.getProjection('globex', 'contacts', 'c-1'), { who: 'globex contacts c-1' });
        assert.equal(await store.getProjection('globex', 'contacts', 'c-2'), null);
        assert.equal(await store.getProjection('initech', 'contacts', 'c-1'), null);
      });
    });

    runOutcomeContract(make);
  });
}
