// Event.processing: what each handler did with an event (the processing trail), on the memory
// store and on MongoDB: handled with its follow-up, retried, dead-lettered and redriven, pending,
// and only in the caller's tenant.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { HubHandler } from '../../src/handlers/handler.ts';
import { publishInput } from '../support/fixtures.ts';
import { errorCodes, gql, PUBLISH } from '../support/graphql-client.ts';
import { TEST_API_KEYS, TEST_KEYS } from '../support/hub.ts';
import { STORE_KINDS, startHubOn, type TestHub } from '../support/store-hubs.ts';
import { until } from '../support/until.ts';

const PROCESSING = `query($id: ID!) { event(id: $id) { id processing {
  handler status attempts firstAttemptAt lastAttemptAt durationMs followUps error { message code attempts lastAttempt } } } }`;
const FOLLOW_UPS =
  'query { events(filter: { types: ["pt.shipment.requested"] }) { edges { node { id metadata { causationId } } } } }';
const DEAD_LETTERS = 'query { deadLetters(filter: { types: ["pt.doomed"] }) { edges { node { id } } } }';
const REDRIVE = 'mutation($ids: [ID!]!) { redriveDeadLetters(ids: $ids) }';
const PUBLISH_ONLY = 'acme-test-key-publish-only-001';

interface Outcome {
  handler: string;
  status: string;
  attempts: number;
  firstAttemptAt: string | null;
  lastAttemptAt: string | null;
  durationMs: number | null;
  followUps: string[];
  error: { message: string; code: string; attempts: number; lastAttempt: string } | null;
}

/** A promise the test resolves when it has seen what it waits for. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

for (const kind of STORE_KINDS) {
  describe(`Event.processing, on ${kind}`, () => {
    const flakyThird = gate();
    const slowGate = gate();
    const slowStarted = new Set<string>();
    let healed = false;
    const handler = (name: string, type: string, handle: HubHandler['handle']): HubHandler => ({
      name,
      eventTypes: [type],
      priority: 0,
      handle,
    });
    const handlers = [
      handler('shipper', 'pt.order.placed', async (event, ctx) => {
        await ctx.publish({
          type: 'pt.shipment.requested',
          payload: { order: event.id },
          metadata: { idempotencyKey: `ship:${event.id}` },
        });
      }),
      handler('flaky', 'pt.flaky', async (event, ctx) => {
        // Published again on every attempt: from the second on it is a DUPLICATE of the first.
        await ctx.publish({ type: 'pt.flaky.noted', payload: {}, metadata: { idempotencyKey: `noted:${event.id}` } });
        if (ctx.attempt < 3) throw new Error(`flaky attempt ${ctx.attempt}`);
        await flakyThird.opened;
      }),
      handler('doomed', 'pt.doomed', async () => {
        if (!healed) throw new Error('no carrier');
      }),
      handler('slow', 'pt.slow', async (event) => {
        slowStarted.add(event.id);
        await slowGate.opened;
      }),
    ];
    let hub: TestHub;
    before(async () => {
      const keys = [...JSON.parse(TEST_API_KEYS), { key: PUBLISH_ONLY, tenant: 'acme', scopes: ['publish'] }];
      const env = { HUB_HANDLER_BACKOFF_MS: '50', HUB_HANDLER_POLL_MS: '100', HUB_API_KEYS: JSON.stringify(keys) };
      hub = await startHubOn(kind, env, { handlers });
    });
    after(async () => {
      flakyThird.open();
      slowGate.open();
      await hub.stop();
    });

    const publish = async (type: string, key: string = TEST_KEYS.acme) =>
      (await gql(hub.url, PUBLISH, { input: publishInput({ type }) }, key)).data!['publishEvent'].event.id as string;
    const processing = async (id: string, key: string = TEST_KEYS.acme) => {
      const answer = await gql(hub.url, PROCESSING, { id }, key);
      assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
      return (answer.data!['event']?.processing ?? null) as Outcome[] | null;
    };
    const onlyOne = (status: string, attempts?: number) => (outcomes: Outcome[] | null) =>
      outcomes?.length === 1 &&
      outcomes[0]!.status === status &&
      (attempts === undefined || outcomes[0]!.attempts === attempts);

    it('shows a handled event with one attempt, its times and the follow-up it published; an event no handler matches has none', async () => {
      const id = await publish('pt.order.placed');
      const [outcome] = (await until(() => processing(id), onlyOne('HANDLED'), 'the shipper'))!;
      const followUps = await until(
        async () => (await gql(hub.url, FOLLOW_UPS, {}, TEST_KEYS.acme)).data!['events'].edges,
        (e) => e.length === 1,
        'the follow-up',
      );
      const followUp = followUps[0].node;
      assert.equal(followUp.metadata.causationId, id);
      assert.deepEqual(
        { ...outcome!, firstAttemptAt: null, durationMs: null },
        {
          handler: 'shipper',
          status: 'HANDLED',
          attempts: 1,
          firstAttemptAt: null,
          lastAttemptAt: outcome!.firstAttemptAt,
          durationMs: null,
          followUps: [followUp.id],
          error: null,
        },
      );
      assert.ok(Number.isInteger(outcome!.durationMs) && outcome!.durationMs! >= 0);
      assert.ok(Date.parse(outcome!.firstAttemptAt!) <= Date.now());
      assert.deepEqual(await processing(followUp.id), [], 'no handler of this hub matches the follow-up');
    });

    it('shows FAILED with the error while retrying, then HANDLED after three attempts, first attempt before the last, the follow-up named by every attempt', async () => {
      const id = await publish('pt.flaky');
      const [failed] = (await until(() => processing(id), onlyOne('FAILED', 2), 'the second failure'))!;
      assert.equal(failed!.handler, 'flaky');
      assert.deepEqual(failed!.error, {
        message: 'flaky attempt 2',
        code: 'HANDLER_ERROR',
        attempts: 2,
        lastAttempt: failed!.lastAttemptAt,
      });
      flakyThird.open();
      const [handled] = (await until(() => processing(id), onlyOne('HANDLED'), 'the third attempt'))!;
      assert.equal(handled!.attempts, 3);
      assert.equal(handled!.error, null);
      assert.equal(handled!.firstAttemptAt, failed!.firstAttemptAt, 'the first attempt time survives the retries');
      const noted = (
        await gql(
          hub.url,
          'query { events(filter: { types: ["pt.flaky.noted"] }) { edges { node { id } } } }',
          {},
          TEST_KEYS.acme,
        )
      ).data!['events'].edges;
      assert.equal(noted.length, 1);
      assert.deepEqual(
        [failed!.followUps, handled!.followUps],
        [[noted[0].node.id], [noted[0].node.id]],
        "a DUPLICATE's original counts",
      );
      assert.ok(Date.parse(handled!.firstAttemptAt!) < Date.parse(handled!.lastAttemptAt!));
    });

    it('shows DEAD_LETTERED with the last error, and HANDLED again after a redrive, the attempts added up', async () => {
      const id = await publish('pt.doomed');
      const [dead] = (await until(() => processing(id), onlyOne('DEAD_LETTERED'), 'the dead letter'))!;
      assert.equal(dead!.attempts, 3);
      assert.deepEqual(dead!.error, {
        message: 'no carrier',
        code: 'HANDLER_ERROR',
        attempts: 3,
        lastAttempt: dead!.lastAttemptAt,
      });
      healed = true;
      const letters = (await gql(hub.url, DEAD_LETTERS, {}, TEST_KEYS.acme)).data!['deadLetters'].edges;
      assert.equal(
        (await gql(hub.url, REDRIVE, { ids: [letters[0].node.id] }, TEST_KEYS.acme)).data!['redriveDeadLetters'],
        1,
      );
      const [handled] = (await until(() => processing(id), onlyOne('HANDLED'), 'the redrive'))!;
      assert.equal(handled!.attempts, 4);
      assert.equal(handled!.error, null);
      assert.equal(handled!.firstAttemptAt, dead!.firstAttemptAt);
    });

    it('shows PENDING, with no attempts, for the event in hand and the events behind it until the handler got to them', async () => {
      const inHand = await publish('pt.slow');
      await until(async () => slowStarted.has(inHand), Boolean, 'the slow handler to start');
      const behind = await publish('pt.slow');
      const pending = {
        handler: 'slow',
        status: 'PENDING',
        attempts: 0,
        firstAttemptAt: null,
        lastAttemptAt: null,
        durationMs: null,
        followUps: [],
        error: null,
      };
      assert.deepEqual(await processing(inHand), [pending]);
      assert.deepEqual(await processing(behind), [pending]);
      slowGate.open();
      await until(() => processing(behind), onlyOne('HANDLED', 1), 'the event behind');
      assert.ok(onlyOne('HANDLED', 1)(await processing(inHand)));
    });

    it('answers another tenant asking for the event id with no event and no trail', async () => {
      const id = await publish('pt.order.placed');
      await until(() => processing(id), onlyOne('HANDLED'), 'the shipper');
      assert.equal(await processing(id, TEST_KEYS.globex), null);
    });

    it('refuses the trail to a key without scope query, even on an event it just published', async () => {
      const query =
        'mutation($input: PublishEventInput!) { publishEvent(input: $input) { status event { id processing { status } } } }';
      const answer = await gql(hub.url, query, { input: publishInput({ type: 'pt.order.placed' }) }, PUBLISH_ONLY);
      assert.deepEqual(errorCodes(answer), ['FORBIDDEN']);
      assert.deepEqual(answer.errors![0]!.path, ['publishEvent', 'event', 'processing']);
    });

    it('looks up the trail of a whole page of events in one store call', async () => {
      const ids = await Promise.all(Array.from({ length: 8 }, () => publish('pt.order.placed')));
      const page =
        'query { events(filter: { types: ["pt.order.placed"] }, first: 100) { edges { node { id processing { status } } } } }';
      const edgesOf = async () =>
        (await gql(hub.url, page, {}, TEST_KEYS.acme)).data!['events'].edges as {
          node: { id: string; processing: Outcome[] };
        }[];
      await until(
        edgesOf,
        (edges) => edges.every((e) => e.node.processing[0]?.status === 'HANDLED'),
        'every order handled',
      );
      const store = hub.services.handlerStore;
      const lookup = store.outcomes.bind(store);
      let calls = 0;
      store.outcomes = (tenantId, eventIds) => {
        calls += 1;
        return lookup(tenantId, eventIds);
      };
      try {
        const edges = await edgesOf();
        assert.ok(ids.every((id) => edges.some((e) => e.node.id === id)));
        assert.ok(edges.length >= ids.length);
        assert.equal(calls, 1);
      } finally {
        store.outcomes = lookup;
      }
    });
  });
}
