// The processing trail's part of the HandlerStore contract (recordOutcome, outcomes), run on every adapter.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { HandlerOutcome } from '../../src/handlers/handler-store.ts';
import type { HandlerStoreUnderTest, MakeHandlerStore } from './handler-store.contract.ts';

const T0 = Date.parse('2024-05-01T08:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000);

const outcome = (overrides: Partial<HandlerOutcome> = {}): HandlerOutcome => ({
  tenantId: 'acme',
  eventId: 'evt-1',
  handler: 'request-shipment',
  status: 'HANDLED',
  attempts: 1,
  firstAttemptAt: at(0),
  lastAttemptAt: at(0),
  durationMs: 12,
  followUps: ['evt-follow-1'],
  ...overrides,
});

const sorted = (outcomes: HandlerOutcome[]) =>
  [...outcomes].sort((a, b) => `${a.eventId} ${a.handler}`.localeCompare(`${b.eventId} ${b.handler}`));

export function runOutcomeContract(make: MakeHandlerStore): void {
  describe('the processing trail', () => {
    const setup = async (t: TestContext): Promise<HandlerStoreUnderTest> => {
      const subject = await make(t);
      t.after(() => subject.store.close());
      return subject;
    };

    it('finds nothing for events never recorded, nor for no events', async (t) => {
      const { store } = await setup(t);
      assert.deepEqual(await store.outcomes('acme', ['evt-1', 'evt-2']), []);
      assert.deepEqual(await store.outcomes('acme', []), []);
    });

    it('returns a recorded outcome field for field, without an error when it had none', async (t) => {
      const { store } = await setup(t);
      const handled = outcome({ followUps: ['a', 'b'] });
      await store.recordOutcome(handled);
      const [read] = await store.outcomes('acme', ['evt-1']);
      assert.deepEqual(read, handled);
      assert.ok(read!.firstAttemptAt instanceof Date && read!.lastAttemptAt instanceof Date);
      assert.equal('error' in read!, false);
    });

    it('replaces the entry on a later attempt but keeps the first attempt time, and drops the error once handled', async (t) => {
      const { store } = await setup(t);
      const error = { message: 'carrier down', code: 'HANDLER_ERROR' };
      await store.recordOutcome(outcome({ status: 'FAILED', followUps: [], error }));
      const retried = outcome({
        status: 'FAILED',
        attempts: 2,
        firstAttemptAt: at(5),
        lastAttemptAt: at(5),
        durationMs: 3,
        followUps: [],
        error,
      });
      await store.recordOutcome(retried);
      assert.deepEqual(await store.outcomes('acme', ['evt-1']), [{ ...retried, firstAttemptAt: at(0) }]);

      const handled = outcome({ attempts: 3, firstAttemptAt: at(9), lastAttemptAt: at(9), durationMs: 7 });
      await store.recordOutcome(handled);
      const [read] = await store.outcomes('acme', ['evt-1']);
      assert.deepEqual(read, { ...handled, firstAttemptAt: at(0) });
      assert.equal('error' in read!, false, 'a handled event has no error');
    });

    it('keeps the first attempt time when another process takes the line over', async (t) => {
      const subject = await setup(t);
      const peer = await subject.peer();
      await subject.store.recordOutcome(
        outcome({ status: 'FAILED', error: { message: 'x', code: 'HANDLER_TIMEOUT' } }),
      );
      const handled = outcome({ attempts: 2, firstAttemptAt: at(30), lastAttemptAt: at(30) });
      await peer.recordOutcome(handled);
      assert.deepEqual(await subject.store.outcomes('acme', ['evt-1']), [{ ...handled, firstAttemptAt: at(0) }]);
    });

    it('records an entry whose first record is a later attempt, and a first attempt recorded twice (a re-run after a crash)', async (t) => {
      const { store } = await setup(t);
      const late = outcome({
        eventId: 'evt-late',
        status: 'DEAD_LETTERED',
        attempts: 4,
        error: { message: 'gone', code: 'NOT_FOUND' },
      });
      await store.recordOutcome(late);
      await store.recordOutcome(outcome({ eventId: 'evt-again', followUps: ['f'] }));
      const again = outcome({ eventId: 'evt-again', firstAttemptAt: at(60), lastAttemptAt: at(60), followUps: ['f'] });
      await store.recordOutcome(again);
      assert.deepEqual(sorted(await store.outcomes('acme', ['evt-late', 'evt-again'])), [
        { ...again, firstAttemptAt: at(0) },
        late,
      ]);
    });

    it('records a line’s successes in one call, an entry already there keeping its first attempt time', async (t) => {
      const { store } = await setup(t);
      await store.recordOutcome(
        outcome({ eventId: 'evt-b', status: 'FAILED', followUps: [], error: { message: 'x', code: 'HANDLER_ERROR' } }),
      );
      const batch = ['evt-a', 'evt-b', 'evt-c'].map((eventId, i) =>
        outcome({ eventId, firstAttemptAt: at(10 + i), lastAttemptAt: at(10 + i) }),
      );
      await store.recordOutcomes(batch);
      await store.recordOutcomes([]);
      assert.deepEqual(sorted(await store.outcomes('acme', ['evt-a', 'evt-b', 'evt-c'])), [
        batch[0],
        { ...batch[1], firstAttemptAt: at(0) },
        batch[2],
      ]);
    });

    it('keeps handlers and tenants apart: another tenant asking for the same event ids finds only its own', async (t) => {
      const { store } = await setup(t);
      const mine = outcome();
      const otherHandler = outcome({ handler: 'customer-order-totals', followUps: [] });
      const theirs = outcome({
        tenantId: 'globex',
        status: 'FAILED',
        error: { message: 'theirs', code: 'HANDLER_ERROR' },
      });
      for (const o of [mine, otherHandler, theirs]) await store.recordOutcome(o);
      assert.deepEqual(sorted(await store.outcomes('acme', ['evt-1'])), sorted([mine, otherHandler]));
      assert.deepEqual(await store.outcomes('globex', ['evt-1']), [theirs]);
      assert.deepEqual(await store.outcomes('initech', ['evt-1']), []);
    });

    it('answers a page of events in one call, each event once however often it is named', async (t) => {
      const { store } = await setup(t);
      const page = Array.from({ length: 60 }, (_, i) => outcome({ eventId: `evt-${String(i).padStart(3, '0')}` }));
      for (const o of page) await store.recordOutcome(o);
      await store.recordOutcome(outcome({ eventId: 'evt-elsewhere' }));
      const ids = page.map((o) => o.eventId);
      assert.deepEqual(sorted(await store.outcomes('acme', [...ids, ids[0]!, 'evt-unknown'])), page);
    });
  });
}
