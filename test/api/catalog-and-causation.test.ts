import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { publishInput } from '../support/fixtures.ts';
import { type Edge, gql, type PublishResult } from '../support/graphql-client.ts';
import { startTestHub, TEST_KEYS } from '../support/hub.ts';

const PUBLISH_MANY = `mutation($input: [PublishEventInput!]!) {
  publishEvents(input: $input) { status event { id } error { code message path } }
}`;

const order = (payload: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  publishInput({ type: 'sales.order.placed', payload, ...extra });
const GOOD_ORDER = {
  orderId: 'o-1',
  customerId: 'c-1',
  currency: 'EUR',
  lines: [{ sku: 'A', quantity: 2, unitPrice: 9.5 }],
};

describe('the event catalog', () => {
  let hub: Awaited<ReturnType<typeof startTestHub>>;
  before(async () => (hub = await startTestHub()));
  after(() => hub.stop());
  const publish = async (input: Record<string, unknown>[], key: string = TEST_KEYS.acme) =>
    (await gql(hub.url, PUBLISH_MANY, { input }, key)).data?.publishEvents as {
      status: string;
      event: { id: string } | null;
      error: { code: string; message: string; path: string[] } | null;
    }[];

  it('checks the payload of a registered type and rejects a mismatch with its path, storing nothing for it', async () => {
    const results = await publish([
      order(GOOD_ORDER),
      order({ ...GOOD_ORDER, lines: [{ sku: 'A', quantity: 0, unitPrice: 1 }] }),
      order({ ...GOOD_ORDER, currency: 'euro' }),
      order({ orderId: 'o-2' }),
      order({ ...GOOD_ORDER, note: 'extra fields are fine' }),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['ACCEPTED', 'REJECTED', 'REJECTED', 'REJECTED', 'ACCEPTED'],
    );
    assert.deepEqual(results[1]!.error, {
      code: 'BAD_USER_INPUT',
      message: results[1]!.error!.message,
      path: ['payload', 'lines', '0', 'quantity'],
    });
    assert.deepEqual(results[2]!.error?.path, ['payload', 'currency']);
    assert.match(results[2]!.error!.message, /ISO 4217/);
    assert.deepEqual(results[3]!.error?.path, ['payload', 'customerId']);
    const stored = await gql(
      hub.url,
      '{ events(filter: { types: ["sales.order.placed"] }) { edges { node { id } } } }',
      {},
      TEST_KEYS.acme,
    );
    assert.deepEqual(
      stored.data?.events.edges.map((e: Edge<{ id: string }>) => e.node.id).sort(),
      [results[0]!.event!.id, results[4]!.event!.id].sort(),
    );
  });

  it('rejects a version the catalog does not have, and takes unregistered types as free JSON', async () => {
    const [badVersion, free] = await publish([
      order(GOOD_ORDER, { version: '9.0' }),
      publishInput({ type: 'free.form.thing', payload: { any: ['thing', 1] } }),
    ]);
    assert.equal(badVersion!.status, 'REJECTED');
    assert.deepEqual(badVersion!.error?.path, ['version']);
    assert.match(badVersion!.error!.message, /registered: 1\.0/);
    assert.equal(free!.status, 'ACCEPTED');
  });

  it('refuses unregistered types with HUB_STRICT_TYPES', async (t) => {
    const strict = await startTestHub({ HUB_STRICT_TYPES: 'true' });
    t.after(() => strict.stop());
    const results = (
      await gql(
        strict.url,
        PUBLISH_MANY,
        { input: [publishInput({ type: 'free.form.thing' }), order(GOOD_ORDER)] },
        TEST_KEYS.acme,
      )
    ).data?.publishEvents;
    assert.deepEqual(
      results.map((r: PublishResult) => r.status),
      ['REJECTED', 'ACCEPTED'],
    );
    assert.deepEqual(results[0].error.path, ['type']);
  });
});

describe('the causation limit', () => {
  let hub: Awaited<ReturnType<typeof startTestHub>>;
  before(async () => (hub = await startTestHub({ HUB_MAX_CAUSATION_DEPTH: '16' })));
  after(() => hub.stop());
  const publishCausedBy = async (causationId: string | undefined, key: string = TEST_KEYS.acme) => {
    const metadata = causationId ? { causationId } : {};
    const [result] = (
      await gql(hub.url, PUBLISH_MANY, { input: [publishInput({ type: 'storm.step.made', metadata })] }, key)
    ).data!['publishEvents'];
    return result as {
      status: string;
      event: { id: string } | null;
      error: { code: string; path: string[]; message: string } | null;
    };
  };

  it('accepts a chain 16 causes deep and refuses the 17th link with a coded error', async () => {
    let previous = await publishCausedBy(undefined);
    const chain = [previous.event!.id];
    for (let depth = 1; depth <= 16; depth++) {
      previous = await publishCausedBy(chain.at(-1));
      assert.equal(previous.status, 'ACCEPTED', `depth ${depth}`);
      chain.push(previous.event!.id);
    }
    const refused = await publishCausedBy(chain.at(-1));
    assert.equal(refused.status, 'REJECTED');
    assert.equal(refused.error?.code, 'BAD_USER_INPUT');
    assert.deepEqual(refused.error?.path, ['metadata', 'causationId']);
    assert.match(refused.error!.message, /deeper than 16/);
    // A branch from the middle of the chain is as deep as its cause says.
    assert.equal((await publishCausedBy(chain[10])).status, 'ACCEPTED');
  });

  it('counts a cause that is not a stored event of the tenant as one link, so another tenant’s chain does not count', async () => {
    let id = (await publishCausedBy(undefined)).event!.id;
    for (let depth = 1; depth <= 16; depth++) id = (await publishCausedBy(id)).event!.id;
    assert.equal((await publishCausedBy(id)).status, 'REJECTED');
    assert.equal((await publishCausedBy(id, TEST_KEYS.globex)).status, 'ACCEPTED');
    assert.equal((await publishCausedBy('order-system-42')).status, 'ACCEPTED');
  });
});
