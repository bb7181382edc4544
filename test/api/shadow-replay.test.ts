// SHADOW replays on the memory store and on MongoDB: a new version of a handler (`shadows`) runs on
// history with its effects captured, never on live events; replayDiff lists exactly the events
// whose outcome or follow-ups changed, and the run stores nothing else.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { defineHandler } from '../../handlers/define.ts';
import type { HubEvent } from '../../src/events/event.ts';
import type { HandlerContext } from '../../src/handlers/handler.ts';
import { publishInput } from '../support/fixtures.ts';
import { type Connection, type Edge, errorCodes, gql, type PublishResult } from '../support/graphql-client.ts';
import { TEST_KEYS } from '../support/hub.ts';
import { STORE_KINDS, startHubOn, type TestHub } from '../support/store-hubs.ts';
import { until } from '../support/until.ts';

const PUBLISH_MANY = 'mutation($input: [PublishEventInput!]!) { publishEvents(input: $input) { status event { id } } }';
const START = 'mutation($input: StartReplayInput!) { startReplay(input: $input) { id status handlers differences } }';
const JOB = 'query($id: ID!) { replayJob(id: $id) { status total processed failed differences } }';
const DIFF = `query($jobId: ID!, $first: Int, $after: String) { replayDiff(jobId: $jobId, first: $first, after: $after) {
  edges { cursor node { event { id payload } handler changes
    live { handler status attempts followUps error { code } }
    shadow { status attempts durationMs followUps { type subject payload payloadHash } error { code message } } } }
  pageInfo { hasNextPage endCursor } } }`;
const EVERYTHING =
  '{ events(first: 1000) { edges { node { id type } } } deadLetters(first: 1000) { edges { node { id } } } }';
const TRAIL =
  'query($types: [String!]) { events(first: 1000, filter: { types: $types }) { edges { node { id processing { handler status attempts followUps } } } } }';

/** An event's handler trail as TRAIL selects it. */
interface TrailNode {
  id: string;
  processing: { handler: string; status: string; attempts: number; followUps: string[] }[];
}
/** One replayDiff node as DIFF selects it. */
interface DiffNode {
  event: { id: string; payload: Record<string, unknown> };
  handler: string;
  changes: string[];
  live: { handler: string; status: string; attempts: number; followUps: string[]; error: { code: string } | null };
  shadow: {
    status: string;
    attempts: number;
    durationMs: number;
    followUps: { type: string; subject: string | null; payload: unknown; payloadHash: string }[];
    error: { code: string; message: string } | null;
  };
}

/** Orders: ship publishes x.shipped for each; ship-next skips those under 10 and refuses o-bad. */
const ORDERS = [
  { orderId: 'o1', total: 20 },
  { orderId: 'o2', total: 5 },
  { orderId: 'o3', total: 30 },
  { orderId: 'o4', total: 7 },
  { orderId: 'o-bad', total: 50 },
];

interface ShadowCall {
  orderId: string;
  replay: HandlerContext['replay'];
  metadataReplay: HubEvent['metadata']['replay'];
  readBefore: Record<string, unknown> | null;
  readAfter: Record<string, unknown> | null;
}

for (const kind of STORE_KINDS) {
  describe(`SHADOW replays, on ${kind}`, () => {
    const calls: ShadowCall[] = [];
    const shipment = (orderId: string, total: number) => ({
      type: 'x.shipped',
      subject: orderId,
      payload: { orderId, total },
    });
    const ship = defineHandler({
      name: 'ship',
      eventTypes: ['sh.order.placed'],
      async handle(event, ctx) {
        const { orderId, total } = event.payload as { orderId: string; total: number };
        await ctx.projections.put('shipments', orderId, { by: 'ship' });
        await ctx.publish({ ...shipment(orderId, total), metadata: { idempotencyKey: `ship:${event.id}` } });
      },
    });
    const shipNext = defineHandler({
      name: 'ship-next',
      shadows: 'ship',
      eventTypes: ['sh.order.placed'],
      async handle(event, ctx) {
        const { orderId, total } = event.payload as { orderId: string; total: number };
        const readBefore = await ctx.projections.get('shipments', orderId);
        await ctx.projections.put('shipments', orderId, { by: 'ship-next' });
        calls.push({
          orderId,
          replay: ctx.replay,
          metadataReplay: event.metadata.replay,
          readBefore,
          readAfter: await ctx.projections.get('shipments', orderId),
        });
        if (orderId === 'o-bad') throw new Error('o-bad refused');
        if (total < 10) return;
        await ctx.publish({ ...shipment(orderId, total), metadata: { idempotencyKey: `ship:${event.id}` } });
      },
    });
    /** A version that adds a field to every shipment: the same outcome, other payloads. */
    let expressCalls = 0;
    const shipExpress = defineHandler({
      name: 'ship-express',
      shadows: 'ship',
      eventTypes: ['sh.order.placed'],
      async handle(event, ctx) {
        expressCalls++;
        const { orderId, total } = event.payload as { orderId: string; total: number };
        const { payload, ...rest } = shipment(orderId, total);
        await ctx.publish({
          ...rest,
          payload: { ...payload, express: true },
          metadata: { idempotencyKey: `ship:${event.id}` },
        });
      },
    });
    let hub: TestHub;
    let orderIds: Map<string, string>;
    const acme = (query: string, variables: Record<string, unknown> = {}) =>
      gql(hub.url, query, variables, TEST_KEYS.acme);
    const trail = async (): Promise<TrailNode[]> =>
      (await acme(TRAIL, { types: ['sh.order.placed'] })).data!['events'].edges.map((e: Edge<TrailNode>) => e.node);

    before(async () => {
      hub = await startHubOn(
        kind,
        { HUB_REPLAY_POLL_MS: '100', HUB_HANDLER_POLL_MS: '100', HUB_LEASE_MS: '2000' },
        { handlers: [ship, shipNext, shipExpress] },
      );
      const published = await acme(PUBLISH_MANY, {
        input: ORDERS.map((payload) => publishInput({ type: 'sh.order.placed', payload })),
      });
      orderIds = new Map(
        published.data!['publishEvents'].map((r: PublishResult, i: number) => [ORDERS[i]!.orderId, r.event!.id]),
      );
      await until(
        trail,
        (nodes) => nodes.every((n) => n.processing.some((p) => p.handler === 'ship' && p.status === 'HANDLED')),
        'live handling',
        20_000,
      );
    });
    after(() => hub.stop());

    it('never runs a shadow handler on live events, nor lists it as a live handler', async () => {
      await sleep(300); // a few more handler polls: a shadow line would have run by now
      assert.deepEqual([calls.length, expressCalls], [0, 0]);
      assert.equal(shipNext.shadows, 'ship', 'defineHandler keeps shadows');
      const nodes = await trail();
      assert.ok(
        nodes.every((n) => n.processing.every((p) => p.handler === 'ship')),
        JSON.stringify(nodes),
      );
      const listed = await acme('{ handlers { name } }');
      assert.deepEqual(
        listed.data!['handlers'].map((h: { name: string }) => h.name),
        ['ship'],
      );
    });

    it('lists exactly the events whose outcome or follow-ups changed, with both outcomes, and stores nothing else', async () => {
      const before = await acme(EVERYTHING);
      const trailBefore = await trail();
      calls.length = 0;

      const started = await acme(START, {
        input: { target: 'SHADOW', handlers: ['ship-next'], filter: { types: ['sh.>'] } },
      });
      assert.equal(started.errors, undefined, JSON.stringify(started.errors));
      const { id: jobId, handlers, differences } = started.data!['startReplay'];
      assert.deepEqual([handlers, differences], [['ship-next'], 0]);
      const job = await until(
        async () => (await acme(JOB, { id: jobId })).data!['replayJob'],
        (j) => j.status === 'COMPLETED',
        'the shadow run',
        20_000,
      );
      assert.deepEqual(job, { status: 'COMPLETED', total: 5, processed: 4, failed: 1, differences: 3 });

      // The handler saw a SHADOW call, read the live projection through its scratch, and then its own write.
      assert.equal(calls.length, ORDERS.length);
      for (const call of calls) {
        const eventId = orderIds.get(call.orderId)!;
        assert.deepEqual(call, {
          orderId: call.orderId,
          replay: { jobId, mode: 'SHADOW' },
          metadataReplay: { jobId, originalEventId: eventId },
          readBefore: { by: 'ship' },
          readAfter: { by: 'ship-next' },
        });
      }

      const diff = await acme(DIFF, { jobId, first: 100 });
      assert.equal(diff.errors, undefined, JSON.stringify(diff.errors));
      const nodes: DiffNode[] = diff.data!['replayDiff'].edges.map((e: Edge<DiffNode>) => e.node);
      assert.deepEqual(
        nodes.map((n) => [n.event.payload['orderId'], n.handler, n.changes, n.live.status, n.shadow.status]),
        [
          ['o2', 'ship-next', ['followUps.count', 'followUps.types'], 'HANDLED', 'HANDLED'],
          ['o4', 'ship-next', ['followUps.count', 'followUps.types'], 'HANDLED', 'HANDLED'],
          ['o-bad', 'ship-next', ['status', 'followUps.count', 'followUps.types'], 'HANDLED', 'FAILED'],
        ],
      );
      const bad = nodes[2]!;
      assert.equal(bad.event.id, orderIds.get('o-bad'));
      assert.deepEqual([bad.live.handler, bad.live.attempts, bad.live.followUps.length], ['ship', 1, 1]);
      assert.deepEqual(bad.shadow.error, { code: 'HANDLER_ERROR', message: 'o-bad refused' });
      assert.deepEqual([bad.shadow.attempts, bad.shadow.followUps], [1, []]);
      assert.equal(diff.data!['replayDiff'].pageInfo.hasNextPage, false);

      // Nothing stored: no event (follow-up or system.replay.started / completed), no dead letter, the trail and the
      // live projections as they were. Starting the job is audited, as every replay request is.
      const afterRun = await acme(EVERYTHING);
      const edges: Edge<{ type: string }>[] = afterRun.data!['events'].edges;
      const audited = edges.filter((e) => e.node.type === 'system.replay.requested');
      assert.equal(audited.length, 1);
      afterRun.data!['events'].edges = edges.filter((e) => e !== audited[0]);
      assert.deepEqual(afterRun, before);
      assert.deepEqual(await trail(), trailBefore);
      for (const { orderId } of ORDERS)
        assert.deepEqual(await hub.services.handlerStore.getProjection('acme', 'shipments', orderId), { by: 'ship' });
    });

    it('pages replayDiff with cursors in event order, and refuses a foreign cursor or an oversized page', async () => {
      const started = await acme(START, {
        input: { target: 'SHADOW', handlers: ['ship-next'], filter: { types: ['sh.>'] } },
      });
      const jobId = started.data!['startReplay'].id;
      await until(
        async () => (await acme(JOB, { id: jobId })).data!['replayJob'].status,
        (s) => s === 'COMPLETED',
        'the shadow run',
        20_000,
      );
      const all = (await acme(DIFF, { jobId, first: 100 })).data!['replayDiff'].edges;
      const paged: Edge<DiffNode>[] = [];
      let afterCursor: string | null = null;
      for (let pages = 0; ; pages++) {
        const page: Connection<DiffNode> = (await acme(DIFF, { jobId, first: 1, after: afterCursor })).data![
          'replayDiff'
        ];
        paged.push(...page.edges);
        if (!page.pageInfo.hasNextPage) break;
        afterCursor = page.pageInfo.endCursor;
        assert.ok(pages < 5, 'paging ends');
      }
      assert.deepEqual(
        paged.map((e) => e.node.event.id),
        all.map((e: Edge<DiffNode>) => e.node.event.id),
      );
      assert.equal(paged.length, 3);
      assert.deepEqual(errorCodes(await acme(DIFF, { jobId, first: 1, after: 'not-a-cursor' })), ['BAD_USER_INPUT']);
      assert.deepEqual(errorCodes(await acme(DIFF, { jobId, first: 101 })), ['BAD_USER_INPUT']);
    });

    it('shows the follow-ups a shadow captured, with type, subject, payload and hash, where only their payloads changed', async () => {
      const started = await acme(START, {
        input: { target: 'SHADOW', handlers: ['ship-express'], filter: { types: ['sh.>'] } },
      });
      const jobId = started.data!['startReplay'].id;
      const job = await until(
        async () => (await acme(JOB, { id: jobId })).data!['replayJob'],
        (j) => j.status === 'COMPLETED',
        'the shadow run',
        20_000,
      );
      assert.deepEqual([job.processed, job.differences], [5, 5]);
      const nodes: DiffNode[] = (await acme(DIFF, { jobId })).data!['replayDiff'].edges.map(
        (e: Edge<DiffNode>) => e.node,
      );
      assert.ok(
        nodes.every((n) => JSON.stringify(n.changes) === '["followUps.payloads"]'),
        JSON.stringify(nodes),
      );
      const first = nodes[0]!.shadow.followUps[0]!;
      assert.deepEqual(
        { ...first, payloadHash: undefined },
        {
          type: 'x.shipped',
          subject: 'o1',
          payload: { orderId: 'o1', total: 20, express: true },
          payloadHash: undefined,
        },
      );
      assert.match(first.payloadHash, /^[0-9a-f]{64}$/);
    });

    it('finds no difference when the live version shadows itself: its captured follow-ups hash like the stored ones', async () => {
      const started = await acme(START, {
        input: { target: 'SHADOW', handlers: ['ship'], filter: { types: ['sh.>'] } },
      });
      const jobId = started.data!['startReplay'].id;
      const job = await until(
        async () => (await acme(JOB, { id: jobId })).data!['replayJob'],
        (j) => j.status === 'COMPLETED',
        'a shadow of the live version',
        20_000,
      );
      assert.deepEqual([job.processed, job.differences], [5, 0]);
      assert.deepEqual((await acme(DIFF, { jobId })).data!['replayDiff'].edges, []);
    });

    it('keeps shadow handlers out of HANDLERS replays, and runs them all in a SHADOW replay naming none', async () => {
      const named = await acme(START, {
        input: { target: 'HANDLERS', handlers: ['ship-next'], filter: { types: ['sh.>'] } },
      });
      assert.deepEqual(errorCodes(named), ['BAD_USER_INPUT']);
      assert.match(named.errors![0]!.message, /shadows "ship": it runs only in SHADOW replays/);
      const all = await acme(START, { input: { target: 'HANDLERS', dryRun: true, filter: { types: ['sh.>'] } } });
      assert.deepEqual(all.data!['startReplay'].handlers, ['ship']);
      const shadows = await acme(START, { input: { target: 'SHADOW', dryRun: true, filter: { types: ['sh.>'] } } });
      assert.deepEqual(shadows.data!['startReplay'].handlers, ['ship-next', 'ship-express']);
    });

    it("answers another tenant's job as not found, and its differences as NOT_FOUND", async () => {
      const started = await acme(START, {
        input: { target: 'SHADOW', handlers: ['ship-next'], filter: { types: ['sh.>'] } },
      });
      const jobId = started.data!['startReplay'].id;
      await until(
        async () => (await acme(JOB, { id: jobId })).data!['replayJob'].status,
        (s) => s === 'COMPLETED',
        'the shadow run',
        20_000,
      );
      const globex = (query: string, variables: Record<string, unknown>) =>
        gql(hub.url, query, variables, TEST_KEYS.globex);
      assert.deepEqual(errorCodes(await globex(DIFF, { jobId })), ['NOT_FOUND']);
      assert.equal((await globex(JOB, { id: jobId })).data!['replayJob'], null);
      assert.equal((await acme(DIFF, { jobId })).data!['replayDiff'].edges.length, 3);
    });
  });
}
