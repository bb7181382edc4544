// Fan-out of one stream over graphql-ws: subscribers of the same operation share one execution and
// one serialized `next` frame per event, written straight to their sockets; what a client receives
// is byte for byte what graphql-ws itself writes, and nothing is shared across tenants, variables
// the selection uses, or documents.
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { defaultFieldResolver, isObjectType, type GraphQLFieldResolver } from 'graphql';
import { schema } from '../../schema/index.ts';
import { publishInput } from '../support/fixtures.ts';
import { gql, PUBLISH } from '../support/graphql-client.ts';
import { startTestHub, TEST_KEYS } from '../support/hub.ts';
import { rawGraphqlWs, type RawGraphqlWs } from '../support/ws-client.ts';

const FOLLOW =
  'subscription Follow($filter: EventFilter, $after: String) { events(filter: $filter, after: $after) { type position id timestamp subject source { type id } payload } }';

/** Counts how often `Event.<field>` resolves in a subscription: once per execution of a selection that holds it. */
function countResolves(field: string): { count: number; restore(): void } {
  const type = schema.getType('Event');
  assert.ok(isObjectType(type));
  const definition = type.getFields()[field]!;
  const original = (definition.resolve ?? defaultFieldResolver) as GraphQLFieldResolver<unknown, unknown>;
  const counter = {
    count: 0,
    restore: () => {
      definition.resolve = original;
    },
  };
  definition.resolve = (source, args, context, info) => {
    if (info.operation.operation === 'subscription') counter.count += 1;
    return original(source, args, context, info);
  };
  return counter;
}

describe('fan-out of one stream over graphql-ws', () => {
  let hub: Awaited<ReturnType<typeof startTestHub>>;
  const sockets: RawGraphqlWs[] = [];
  let resolves: { count: number; restore(): void };
  before(async () => {
    hub = await startTestHub({});
  });
  after(async () => {
    await hub.stop();
  });
  beforeEach(() => {
    resolves = countResolves('type');
  });
  afterEach(async () => {
    resolves.restore();
    for (const socket of sockets.splice(0)) socket.close();
    await live(0);
  });
  const open = async (key: string = TEST_KEYS.acme) => {
    const socket = await rawGraphqlWs(hub.url, key);
    sockets.push(socket);
    return socket;
  };
  const publish = async (type: string, payload: Record<string, unknown> = {}, key: string = TEST_KEYS.acme) =>
    (await gql(hub.url, PUBLISH, { input: publishInput({ type, payload }) }, key)).data?.publishEvent.event;
  /** Resolves once the hub holds `count` open subscriptions, so a publish after it is live for them. */
  const live = async (count: number) => {
    while (hub.services.live.size !== count) await new Promise((r) => setTimeout(r, 5));
  };
  const dataOf = (frame: string) => JSON.parse(frame).payload.data.events;

  it('sends every subscriber of one operation the same bytes, executed once per event, as graphql-ws writes them', async () => {
    const subscribers = await Promise.all(Array.from({ length: 5 }, () => open()));
    for (const socket of subscribers) socket.subscribe('1', FOLLOW, { filter: { types: ['fan.item.*'] } });
    await live(5);
    const mark = await publish('fan.mark.set');
    for (let n = 1; n <= 3; n++) await publish('fan.item.made', { n });
    const frames = await Promise.all(subscribers.map((socket) => socket.waitForNexts('1', 3)));
    assert.equal(resolves.count, 3, 'one execution per event for all five subscribers');
    for (const received of frames) assert.deepEqual(received, frames[0]);
    assert.deepEqual(
      frames[0]!.map((frame) => dataOf(frame).payload.n),
      [1, 2, 3],
    );

    // The same events read in catch-up take graphql-ws's own path: the bytes must not differ.
    const resumed = await open();
    resumed.subscribe('1', FOLLOW, { filter: { types: ['fan.item.*'] }, after: mark.position });
    assert.deepEqual(await resumed.waitForNexts('1', 3), frames[0]);
  });

  it('shares across filters, but not across the variables the selection uses or across documents', async () => {
    const selection =
      'subscription($filter: EventFilter, $full: Boolean!) { events(filter: $filter) { type payload @include(if: $full) } }';
    const [full, other, brief, positions] = await Promise.all([open(), open(), open(), open()]);
    full.subscribe('a', selection, { filter: { types: ['vary.>'] }, full: true });
    other.subscribe('a', selection, { filter: { types: ['vary.item.*'] }, full: true });
    brief.subscribe('a', selection, { filter: { types: ['vary.>'] }, full: false });
    positions.subscribe('a', 'subscription { events(filter: {types: ["vary.>"]}) { type position } }');
    await live(4);
    const event = await publish('vary.item.made', { n: 7 });
    const first = async (socket: RawGraphqlWs) => (await socket.waitForNexts('a', 1))[0]!;
    const [fullFrame, otherFrame, briefFrame, positionFrame] = await Promise.all([
      first(full),
      first(other),
      first(brief),
      first(positions),
    ]);
    assert.deepEqual(dataOf(fullFrame), { type: 'vary.item.made', payload: { n: 7 } });
    assert.equal(otherFrame, fullFrame, 'another filter, same selection: the same frame');
    assert.deepEqual(dataOf(briefFrame), { type: 'vary.item.made' });
    assert.deepEqual(dataOf(positionFrame), { type: 'vary.item.made', position: event.position });
    assert.equal(resolves.count, 3, 'one execution each for $full: true, $full: false and the other document');
  });

  it('never shares between tenants: each gets its own events only, executed for it', async () => {
    const [acme, globex] = await Promise.all([open(TEST_KEYS.acme), open(TEST_KEYS.globex)]);
    for (const socket of [acme, globex]) socket.subscribe('1', FOLLOW, { filter: { types: ['iso.>'] } });
    await live(2);
    await publish('iso.item.made', { tenant: 'globex' }, TEST_KEYS.globex);
    await publish('iso.item.made', { tenant: 'acme' }, TEST_KEYS.acme);
    const [acmeFrames, globexFrames] = await Promise.all([acme.waitForNexts('1', 1), globex.waitForNexts('1', 1)]);
    await new Promise((r) => setTimeout(r, 50)); // nothing more arrives
    assert.deepEqual(
      acme.nexts('1').map((frame) => dataOf(frame).payload),
      [{ tenant: 'acme' }],
    );
    assert.deepEqual(
      globex.nexts('1').map((frame) => dataOf(frame).payload),
      [{ tenant: 'globex' }],
    );
    assert.notEqual(acmeFrames[0], globexFrames[0]);
    assert.equal(resolves.count, 2);
  });

  it('keeps the protocol: ids per subscription, complete on the client’s complete, nothing after it', async () => {
    const socket = await open();
    socket.subscribe('first', FOLLOW, { filter: { types: ['proto.>'] } });
    socket.subscribe('second', FOLLOW, { filter: { types: ['proto.>'] } });
    await live(2);
    await publish('proto.item.made', { n: 1 });
    const [first] = await socket.waitForNexts('first', 1);
    const [second] = await socket.waitForNexts('second', 1);
    assert.equal(JSON.parse(first!).id, 'first');
    assert.equal(second, first!.replace('"id":"first"', '"id":"second"'));
    socket.send({ id: 'first', type: 'complete' });
    await live(1);
    await publish('proto.item.made', { n: 2 });
    await socket.waitForNexts('second', 2);
    assert.equal(socket.nexts('first').length, 1);
  });
});
