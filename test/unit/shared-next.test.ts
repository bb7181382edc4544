import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildSchema, parse, type DocumentNode, type GraphQLSchema } from 'graphql';
import { schema as hubSchema } from '../../schema/index.ts';
import type { HubEvent } from '../../src/events/event.ts';
import {
  createNextFrames,
  FRAGMENT_BYTES,
  frameBytes,
  type SharedOperationArgs,
} from '../../src/server/shared-next.ts';
import { SHARED_RESULT, sharedSelection } from '../../src/server/shared-selection.ts';
import { pendingEvent } from '../support/fixtures.ts';

/**
 * A schema with what the hub's does not have (yet): a field that masks per
 * user, a field on a type nobody marked, one that fails and one that awaits.
 */
function testSchema(): { schema: GraphQLSchema; calls: { name: number } } {
  const schema = buildSchema(`
    type Query { ok: Boolean }
    type Subscription { events(filter: String): Event!  other: Event! }
    type Viewer { name: String! }
    type Event { id: ID!  name(upper: Boolean): String!  maskedEmail: String  viewer: Viewer!  broken: String!  later: String! }
  `);
  const calls = { name: 0 };
  const subscription = schema.getSubscriptionType()!;
  subscription.getFields()['events']!.extensions = { [SHARED_RESULT]: 'fromParent' };
  subscription.getFields()['events']!.resolve = (event) => event;
  const event = schema.getType('Event') as import('graphql').GraphQLObjectType;
  event.extensions = { [SHARED_RESULT]: 'fromParentAndArguments' };
  const fields = event.getFields();
  fields['name']!.resolve = (e: { name: string }, args: { upper?: boolean }) => {
    calls.name++;
    return args.upper ? e.name.toUpperCase() : e.name;
  };
  fields['maskedEmail']!.extensions = { [SHARED_RESULT]: 'perSubscriber' };
  fields['viewer']!.resolve = () => ({ name: 'someone' });
  fields['broken']!.resolve = () => {
    throw new Error('broken');
  };
  fields['later']!.resolve = async () => 'later';
  return { schema, calls };
}

const shared = (schema: GraphQLSchema, query: string, operationName: string | null = null) =>
  sharedSelection(schema, parse(query), operationName);

describe('shared selections: which subscriptions share one execution', () => {
  const { schema } = testSchema();

  it('shares a selection of marked fields, depending on no variable of the root field’s arguments', () => {
    assert.deepEqual(shared(schema, 'subscription($f: String) { events(filter: $f) { id name __typename } }'), {
      variables: [],
    });
  });

  it('names the variables of deeper arguments and of directives, through fragments', () => {
    const query = `subscription($f: String, $u: Boolean, $i: Boolean!, $s: Boolean!) {
      events(filter: $f) @skip(if: $s) { ...F  ... on Event { id @include(if: $i) } }
    }
    fragment F on Event { name(upper: $u) }`;
    assert.deepEqual(shared(schema, query), { variables: ['i', 's', 'u'] });
  });

  it('does not share a selection that reaches a field marked per subscriber, or an unmarked type or root field', () => {
    assert.equal(shared(schema, 'subscription { events { id maskedEmail } }'), null);
    assert.equal(shared(schema, 'subscription { events { ...F } } fragment F on Event { maskedEmail }'), null);
    assert.equal(shared(schema, 'subscription { events { viewer { name } } }'), null);
    assert.equal(shared(schema, 'subscription { other { id } }'), null);
    assert.equal(shared(schema, 'query { ok }'), null);
  });

  it('shares the hub’s events subscription with every field of Event selected', () => {
    const query = `subscription($filter: EventFilter, $after: String) { events(filter: $filter, after: $after) {
      id type version tenantId source { type id } timestamp receivedAt subject payload position
      metadata { correlationId causationId idempotencyKey actor { id type } context { type id } attributes replay { jobId originalEventId } }
    } }`;
    assert.deepEqual(shared(hubSchema, query), { variables: [] });
    assert.equal(shared(hubSchema, 'subscription($id: ID!) { replayJob(id: $id) { status } }'), null);
  });
});

describe('shared next frames', () => {
  const event = (tenantId: string, name = 'ada'): HubEvent =>
    ({ ...pendingEvent({ tenantId }), position: 1, name }) as unknown as HubEvent;
  const documents = new Map<string, DocumentNode>(); // one document per text, as Yoga's parse cache gives
  const args = (
    schema: GraphQLSchema,
    query: string,
    variableValues: Record<string, unknown> = {},
  ): SharedOperationArgs => ({
    schema,
    document: documents.get(query) ?? documents.set(query, parse(query)).get(query)!,
    operationName: null,
    variableValues,
    contextValue: {},
  });

  it('executes and serializes once per event and operation, as graphql-ws writes a next message', () => {
    const { schema, calls } = testSchema();
    const frames = createNextFrames();
    const query = 'subscription($f: String) { events(filter: $f) { id name } }';
    const [a, b] = [{ f: 'one' }, { f: 'two' }].map((variables) =>
      frames.operation(args(schema, query, variables), 'acme', '1'),
    );
    const first = event('acme');
    const frame = frames.frame(first, a!);
    assert.equal(frames.frame(first, b!), frame, 'the same bytes for another filter');
    assert.equal(calls.name, 1);
    assert.equal(
      frame?.toString(),
      JSON.stringify({ id: '1', type: 'next', payload: { data: { events: { id: first.id, name: 'ada' } } } }),
    );
    frames.frame(event('acme', 'bob'), a!);
    assert.equal(calls.name, 2, 'a new event object executes again');
  });

  it('keys by tenant, the variables the selection uses, and the subscription id', () => {
    const { schema } = testSchema();
    const frames = createNextFrames();
    const query = 'subscription($u: Boolean) { events { name(upper: $u) } }';
    const operation = (tenantId: string, variables: Record<string, unknown>, id = '1') =>
      frames.operation(args(schema, query, variables), tenantId, id)!;
    assert.notEqual(operation('acme', {}).key, operation('globex', {}).key);
    assert.notEqual(operation('acme', { u: true }).key, operation('acme', { u: false }).key);
    assert.notEqual(operation('acme', { u: null }).key, operation('acme', {}).key);
    const acmeEvent = event('acme');
    assert.equal(frames.frame(acmeEvent, operation('globex', {})), null, 'another tenant’s event is never framed');
    assert.match(String(frames.frame(acmeEvent, operation('acme', { u: true }))), /"name":"ADA"/);
    assert.match(String(frames.frame(acmeEvent, operation('acme', { u: false }))), /"name":"ada"/);
    assert.match(String(frames.frame(acmeEvent, operation('acme', {}, '7'))), /^\{"id":"7","type":"next"/);
  });

  it('frames a large result as fragments around one buffer that every subscription id shares', () => {
    const { schema } = testSchema();
    const frames = createNextFrames();
    const query = 'subscription { events { id name } }';
    const large = event('acme', 'a'.repeat(FRAGMENT_BYTES));
    const [one, two] = ['1', '2'].map((id) =>
      frames.frame(large, frames.operation(args(schema, query, {}), 'acme', id)!),
    );
    assert.ok(Array.isArray(one) && Array.isArray(two));
    assert.equal(one[1], two[1], 'one copy of the result for both ids');
    const whole = (frame: readonly Buffer[]) => Buffer.concat(frame).toString();
    assert.equal(
      whole(two),
      JSON.stringify({
        id: '2',
        type: 'next',
        payload: { data: { events: { id: large.id, name: large['name' as never] } } },
      }),
    );
    assert.equal(frameBytes(two), Buffer.byteLength(whole(two)));
  });

  it('leaves results with errors, and executions that do not finish at once, to the normal path', () => {
    const { schema } = testSchema();
    const frames = createNextFrames();
    assert.equal(frames.operation(args(schema, 'subscription { events { maskedEmail } }'), 'acme', '1'), null);
    const broken = frames.operation(args(schema, 'subscription { events { id broken } }'), 'acme', '1')!;
    const later = frames.operation(args(schema, 'subscription { events { later } }'), 'acme', '1')!;
    assert.equal(frames.frame(event('acme'), broken), null);
    assert.equal(frames.frame(event('acme'), later), null);
  });
});
