import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gql, PUBLISH, type GraphQLResponse } from '../support/graphql-client.ts';
import { TEST_KEYS, type HubProcess } from '../support/hub.ts';
import { publishInput } from '../support/fixtures.ts';
import { allEvents, killHard, mongoHubs } from '../support/mongo-hubs.ts';

/**
 * Black-box: hub processes started as `npm start` starts them, with
 * MONGODB_URL, restarted, run side by side and killed, driven over HTTP.
 */

const PUBLISH_MANY = /* GraphQL */ `
  mutation PublishMany($input: [PublishEventInput!]!) {
    publishEvents(input: $input) { status originalEventId event { id position } error { code message } }
  }
`;

const EVENT = /* GraphQL */ `
  query Event($id: ID!) { event(id: $id) { id type position timestamp payload metadata { idempotencyKey } } }
`;

const EVENT_FIELDS = 'id type position timestamp payload metadata { idempotencyKey }';

interface Result {
  status: 'ACCEPTED' | 'DUPLICATE' | 'REJECTED';
  originalEventId: string | null;
  event: { id: string; position: string } | null;
  error?: { code: string; message: string } | null;
}

interface StoredNode {
  id: string;
  type: string;
  position: string;
  timestamp: string;
  payload: Record<string, unknown>;
  metadata: { idempotencyKey: string | null };
}

const publishOne = async (url: string, input: Record<string, unknown>): Promise<Result> => {
  const response = await gql(url, PUBLISH, { input }, TEST_KEYS.acme);
  assert.equal(response.errors, undefined, JSON.stringify(response.errors));
  return response.data!['publishEvent'] as Result;
};

const publishMany = async (url: string, inputs: Record<string, unknown>[]): Promise<Result[]> => {
  const response = await gql(url, PUBLISH_MANY, { input: inputs }, TEST_KEYS.acme);
  assert.equal(response.errors, undefined, JSON.stringify(response.errors));
  return response.data!['publishEvents'] as Result[];
};

const keyOf = (input: Record<string, unknown>): string | undefined =>
  (input['metadata'] as { idempotencyKey?: string } | undefined)?.idempotencyKey;

/** Stored events grouped by idempotency key. */
function byKey(nodes: readonly StoredNode[]): Map<string, StoredNode[]> {
  const groups = new Map<string, StoredNode[]>();
  for (const node of nodes) {
    const key = node.metadata.idempotencyKey;
    if (key === null) continue;
    groups.set(key, [...(groups.get(key) ?? []), node]);
  }
  return groups;
}

function assertUnique(nodes: readonly StoredNode[]): void {
  assert.equal(new Set(nodes.map((n) => n.id)).size, nodes.length, 'an event id is stored twice');
  assert.equal(new Set(nodes.map((n) => n.position)).size, nodes.length, 'two stored events share a position');
}

describe('the hub on MongoDB', () => {
  it('still serves every event, with the same ids and positions, after a SIGTERM restart, and continues above them', {
    timeout: 90_000,
  }, async (t) => {
    const hubs = await mongoHubs(t);
    const first = await hubs.start();
    assert.match(first.output(), /"store":"mongodb"/);

    const keyed = publishInput({
      type: 'crm.deal.won',
      payload: { deal: 1 },
      metadata: { idempotencyKey: 'deal-1-won' },
    });
    const accepted: Result[] = [
      await publishOne(first.url, publishInput({ payload: { contactId: 'c-1' } })),
      await publishOne(first.url, keyed),
      ...(await publishMany(first.url, [
        publishInput({ type: 'crm.contact.updated', payload: { contactId: 'c-1', n: 2 } }),
        publishInput({ type: 'crm.contact.deleted', payload: { contactId: 'c-2' } }),
      ])),
    ];
    assert.deepEqual(
      accepted.map((r) => r.status),
      ['ACCEPTED', 'ACCEPTED', 'ACCEPTED', 'ACCEPTED'],
    );
    const before = await allEvents<StoredNode>(first.url, TEST_KEYS.acme, EVENT_FIELDS);
    assert.deepEqual(
      before.map((n) => [n.id, n.position]),
      accepted.map((r) => [r.event!.id, r.event!.position]),
    );

    assert.equal(await first.stop(), 0, 'the hub exits cleanly on SIGTERM');
    const second = await hubs.start();

    const after = await allEvents<StoredNode>(second.url, TEST_KEYS.acme, EVENT_FIELDS);
    assert.deepEqual(after, before);
    for (const node of before) {
      const one = await gql(second.url, EVENT, { id: node.id }, TEST_KEYS.acme);
      assert.deepEqual(one.data?.['event'], node);
    }

    const again = await publishOne(second.url, keyed);
    assert.deepEqual(
      { status: again.status, originalEventId: again.originalEventId },
      { status: 'DUPLICATE', originalEventId: accepted[1]!.event!.id },
    );

    const next = await publishOne(
      second.url,
      publishInput({ type: 'crm.contact.merged', payload: { contactId: 'c-3' } }),
    );
    assert.equal(next.status, 'ACCEPTED');
    assert.ok(!before.some((n) => n.position === next.event!.position), 'the new event reuses an old position');
    // A client resuming from the last position it saw before the restart gets exactly the new event.
    const resumed = await allEvents<StoredNode>(second.url, TEST_KEYS.acme, EVENT_FIELDS);
    assert.deepEqual(
      resumed.map((n) => n.id),
      [...before.map((n) => n.id), next.event!.id],
    );
    const page = await gql(
      second.url,
      'query($after: String) { events(after: $after, order: ASC) { edges { node { id } } } }',
      { after: before.at(-1)!.position },
      TEST_KEYS.acme,
    );
    assert.deepEqual(
      page.data?.['events'].edges.map((e: { node: { id: string } }) => e.node.id),
      [next.event!.id],
    );
  });

  it('stores exactly one event for 50 concurrent publishes of one idempotency key spread over 3 hub processes', {
    timeout: 90_000,
  }, async (t) => {
    const hubs = await mongoHubs(t);
    const processes = await Promise.all([hubs.start(), hubs.start(), hubs.start()]);

    const key = 'payment-42-captured';
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        publishOne(
          processes[i % 3]!.url,
          publishInput({
            type: 'billing.payment.captured',
            payload: { attempt: i },
            metadata: { idempotencyKey: key },
          }),
        ),
      ),
    );

    const accepted = results.filter((r) => r.status === 'ACCEPTED');
    assert.equal(accepted.length, 1, JSON.stringify(results.map((r) => r.status)));
    const id = accepted[0]!.event!.id;
    assert.deepEqual(
      results
        .filter((r) => r.status !== 'ACCEPTED')
        .map((r) => ({ status: r.status, originalEventId: r.originalEventId })),
      Array.from({ length: 49 }, () => ({ status: 'DUPLICATE', originalEventId: id })),
    );
    for (const hub of processes) {
      const withKey = await allEvents<StoredNode>(hub.url, TEST_KEYS.acme, EVENT_FIELDS, {
        where: [{ path: 'metadata.idempotencyKey', op: 'EQ', value: key }],
      });
      assert.deepEqual(
        withKey.map((n) => n.id),
        [id],
      );
      assert.deepEqual(
        (await allEvents<StoredNode>(hub.url, TEST_KEYS.acme, 'id')).map((n) => n.id),
        [id],
      );
    }
  });

  it('loses no acknowledged event when a hub is killed with SIGKILL under publish load, and retried keyed publishes are stored once', {
    timeout: 120_000,
  }, async (t) => {
    const hubs = await mongoHubs(t);
    const victim = await hubs.start();
    const load = await publishUntilKilled(victim, { publishers: 6, killAfterAccepted: 30 });

    // Every answer the hub gave before dying is an acknowledgement: nothing else may appear.
    const answered = load.filter((r) => r.response);
    for (const request of answered) {
      assert.equal(request.response!.errors, undefined, JSON.stringify(request.response!.errors));
      assert.deepEqual(
        request.results!.map((r) => r.status),
        request.inputs.map(() => 'ACCEPTED'),
      );
    }
    const acknowledged = answered.flatMap((r) =>
      r.results!.map((result, i) => ({ input: r.inputs[i]!, event: result.event! })),
    );
    assert.ok(acknowledged.length >= 30, `only ${acknowledged.length} events were acknowledged before the kill`);
    const unanswered = load.filter((r) => !r.response);
    assert.ok(
      unanswered.some((r) => r.keyed),
      'no keyed publish was left unacknowledged by the kill',
    );

    const survivor = await hubs.start();
    const stored = await allEvents<StoredNode>(survivor.url, TEST_KEYS.acme, EVENT_FIELDS);
    assertUnique(stored);
    const storedById = new Map(stored.map((n) => [n.id, n]));
    const lost = acknowledged.filter(({ event }) => storedById.get(event.id)?.position !== event.position);
    assert.deepEqual(lost, [], 'acknowledged events missing (or moved) after the crash');
    for (const [key, nodes] of byKey(stored))
      assert.equal(nodes.length, 1, `idempotency key ${key} is stored ${nodes.length} times`);
    for (const { input, event } of acknowledged) {
      const key = keyOf(input);
      if (key !== undefined)
        assert.equal(byKey(stored).get(key)?.[0]?.id, event.id, `key ${key} is held by another event`);
    }

    // The client retries every keyed request, the way it sent it: unacknowledged ones land once,
    // acknowledged ones answer DUPLICATE with the id the dead hub gave.
    const keyedRequests = load.filter((r) => r.keyed);
    const retried = await Promise.all(
      keyedRequests.map(async (request) => ({
        request,
        results: request.many
          ? await publishMany(survivor.url, request.inputs)
          : [await publishOne(survivor.url, request.inputs[0]!)],
      })),
    );
    const eventForKey = new Map<string, string>();
    for (const { request, results } of retried) {
      results.forEach((result, i) => {
        const key = keyOf(request.inputs[i]!)!;
        if (request.response) {
          assert.deepEqual(
            { status: result.status, originalEventId: result.originalEventId },
            { status: 'DUPLICATE', originalEventId: request.results![i]!.event!.id },
            `retry of acknowledged key ${key}`,
          );
        } else {
          assert.ok(
            result.status === 'ACCEPTED' || result.status === 'DUPLICATE',
            `retry of ${key}: ${JSON.stringify(result)}`,
          );
        }
        eventForKey.set(key, result.status === 'ACCEPTED' ? result.event!.id : result.originalEventId!);
      });
    }

    const retriedStatuses = retried
      .filter(({ request }) => !request.response)
      .flatMap(({ results }) => results.map((r) => r.status));
    t.diagnostic(
      `acknowledged ${acknowledged.length} events in ${answered.length} requests; stored after the crash ${stored.length}; ` +
        `unacknowledged requests ${unanswered.length} (keyed ${unanswered.filter((r) => r.keyed).length}); their retries: ${JSON.stringify(retriedStatuses)}`,
    );

    const final = await allEvents<StoredNode>(survivor.url, TEST_KEYS.acme, EVENT_FIELDS);
    assertUnique(final);
    const finalByKey = byKey(final);
    for (const [key, id] of eventForKey) {
      assert.deepEqual(
        finalByKey.get(key)?.map((n) => n.id),
        [id],
        `idempotency key ${key} after the retries`,
      );
    }
    const finalIds = new Set(final.map((n) => n.id));
    assert.deepEqual(
      acknowledged.filter(({ event }) => !finalIds.has(event.id)),
      [],
    );
  });
});

interface LoadRequest {
  many: boolean;
  keyed: boolean;
  inputs: Record<string, unknown>[];
  /** Set when the hub answered (an acknowledgement); unset when the request died with it. */
  response?: GraphQLResponse;
  results?: Result[];
}

/**
 * Concurrent publishers, half with idempotency keys, alternating publishEvent
 * and publishEvents (3 items); the hub is killed with SIGKILL once
 * `killAfterAccepted` events are acknowledged, and each publisher stops at its
 * first request that gets no answer.
 */
async function publishUntilKilled(
  hub: HubProcess,
  { publishers, killAfterAccepted }: { publishers: number; killAfterAccepted: number },
): Promise<LoadRequest[]> {
  const requests: LoadRequest[] = [];
  let accepted = 0;
  let kill: Promise<void> | undefined;

  async function publisher(w: number): Promise<void> {
    const keyed = w % 2 === 0;
    for (let n = 0; n < 500; n++) {
      const many = n % 2 === 1;
      const inputs = Array.from({ length: many ? 3 : 1 }, (_, k) =>
        publishInput({
          type: 'load.order.placed',
          payload: { publisher: w, request: n, item: k },
          ...(keyed && { metadata: { idempotencyKey: `order-${w}-${n}-${k}` } }),
        }),
      );
      const request: LoadRequest = { many, keyed, inputs };
      requests.push(request);
      try {
        request.response = many
          ? await gql(hub.url, PUBLISH_MANY, { input: inputs }, TEST_KEYS.acme)
          : await gql(hub.url, PUBLISH, { input: inputs[0] }, TEST_KEYS.acme);
      } catch {
        return; // no answer: the hub is gone
      }
      const data = request.response.data;
      request.results = data ? ((many ? data['publishEvents'] : [data['publishEvent']]) as Result[]) : [];
      accepted += request.results.filter((r) => r.status === 'ACCEPTED').length;
      if (accepted >= killAfterAccepted) kill ??= killHard(hub);
    }
  }

  await Promise.all(Array.from({ length: publishers }, (_, w) => publisher(w)));
  assert.ok(kill, `the load ended before ${killAfterAccepted} events were accepted`);
  await kill;
  return requests;
}
