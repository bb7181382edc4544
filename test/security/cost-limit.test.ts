// The cost limit admits every page the API allows, selecting every field, and refuses documents
// that multiply that work: aliased pages, fields repeated within the token limit, page sizes in
// variables.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { getNamedType, isObjectType, type GraphQLObjectType } from 'graphql';
import { exampleHandlers as builtIn } from '../../examples/handlers/index.ts';
import { MAX_DIFF_PAGE } from '../../resolvers/replay-diff.ts';
import { schema } from '../../schema/index.ts';
import { publishInput } from '../support/fixtures.ts';
import { errorCodes, gql, PUBLISH, type GraphQLResponse } from '../support/graphql-client.ts';
import { TEST_KEYS } from '../support/hub.ts';
import { startHubOn, STORE_KINDS, type TestHub } from '../support/store-hubs.ts';

/**
 * Every field of `type`, objects opened down to their scalars: what the widest client selects. A
 * type already open on the way down is left out (Event.causedBy is an Event), else it never ends.
 */
function everyField(type: GraphQLObjectType, open: ReadonlySet<string> = new Set()): string {
  const inside = new Set([...open, type.name]);
  return Object.values(type.getFields())
    .flatMap((field) => {
      const named = getNamedType(field.type);
      if (!isObjectType(named)) return [field.name];
      return inside.has(named.name) ? [] : [`${field.name} { ${everyField(named, inside)} }`];
    })
    .join(' ');
}

/** The root query fields that page with `first`: events, deadLetters, replayJobs, replayDiff, webhookDeliveries, correlation. */
const PAGED = Object.values(schema.getQueryType()!.getFields()).filter((field) =>
  field.args.some((arg) => arg.name === 'first'),
);
/** The other arguments a paged field requires. */
const REQUIRED: Record<string, string> = {
  correlation: 'id: "c", ',
  webhookDeliveries: 'endpointId: "00000000-0000-7000-8000-000000000000", ',
};
const connection = (name: string) => getNamedType(schema.getQueryType()!.getFields()[name]!.type) as GraphQLObjectType;
const page = (name: string, first: number | string, alias = '', args = REQUIRED[name] ?? '') =>
  `${alias}${name}(${args}first: ${first}) { ${everyField(connection(name))} }`;
/** replayDiff pages are smaller than HUB_MAX_PAGE_SIZE: each item carries an event, two outcomes and captured payloads. */
const fullPage = (name: string) => (name === 'replayDiff' ? MAX_DIFF_PAGE : 1000);

const assertCostRefused = (response: GraphQLResponse) => {
  assert.deepEqual(errorCodes(response), ['GRAPHQL_VALIDATION_FAILED'], JSON.stringify(response.errors));
  assert.match(response.errors![0]!.message, /Cost limit/);
  assert.equal(response.data ?? undefined, undefined);
};

for (const kind of STORE_KINDS) {
  describe(`the cost limit, on ${kind}`, () => {
    let hub: TestHub;
    let shadowJobId: string;
    before(async () => {
      hub = await startHubOn(kind);
      const shadow = await hub.services.replays.create('acme', {
        target: 'SHADOW',
        handlers: [builtIn[0]!.name],
        dryRun: true,
        filter: {},
      });
      shadowJobId = shadow.id;
      const metadata = {
        correlationId: 'c',
        causationId: 'k',
        actor: { id: 'u', type: 'user' },
        context: { type: 'USER', id: 'u' },
        attributes: { a: 1 },
      };
      await gql(hub.url, PUBLISH, { input: publishInput({ subject: 's', metadata }) }, TEST_KEYS.acme);
    });
    after(() => hub.stop());

    it('admits events(first: HUB_MAX_PAGE_SIZE) selecting every Event field, nested ones included', async () => {
      const answer = await gql(hub.url, `{ ${page('events', 1000)} }`, {}, TEST_KEYS.acme);
      assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
      const { metadata } = answer.data!['events'].edges[0].node;
      assert.equal(metadata.actor.id, 'u');
      assert.ok('replay' in metadata && 'trace' in metadata);
    });

    it('admits a full page of every paged field (events, deadLetters, replayJobs, replayDiff, webhookDeliveries, correlation) selecting everything', async () => {
      assert.deepEqual(PAGED.map((field) => field.name).sort(), [
        'correlation',
        'deadLetters',
        'events',
        'replayDiff',
        'replayJobs',
        'webhookDeliveries',
      ]);
      for (const field of PAGED) {
        const args = field.name === 'replayDiff' ? `jobId: "${shadowJobId}", ` : REQUIRED[field.name];
        const answer = await gql(
          hub.url,
          `{ ${page(field.name, fullPage(field.name), '', args)} }`,
          {},
          TEST_KEYS.acme,
        );
        // webhookDeliveries needs the admin scope these keys lack: past the cost limit it is refused FORBIDDEN.
        if (field.name === 'webhookDeliveries')
          assert.deepEqual(errorCodes(answer), ['FORBIDDEN'], JSON.stringify(answer.errors));
        else assert.equal(answer.errors, undefined, `${field.name}: ${JSON.stringify(answer.errors)}`);
      }
    });

    it('refuses two aliased full pages, and thirty aliased pages of a hundred', async () => {
      assertCostRefused(
        await gql(hub.url, `{ ${page('events', 1000, 'a: ')} ${page('events', 1000, 'b: ')} }`, {}, TEST_KEYS.acme),
      );
      const thirty = Array.from({ length: 30 }, (_, i) => page('events', 100, `p${i}: `)).join(' ');
      assertCostRefused(await gql(hub.url, `{ ${thirty} }`, {}, TEST_KEYS.acme));
    });

    it('refuses a field repeated two thousand times, within the token limit', async () => {
      const repeated = Array.from({ length: 2000 }, () => 'id').join(' ');
      assertCostRefused(
        await gql(hub.url, `{ events(first: 1000) { edges { node { ${repeated} } } } }`, {}, TEST_KEYS.acme),
      );
    });

    it('refuses aliased pages whose size comes from a variable, as it would the same sizes written in', async () => {
      const aliased = `query($n: Int) { ${page('events', '$n', 'a: ')} ${page('events', '$n', 'b: ')} }`;
      assertCostRefused(await gql(hub.url, aliased, { n: 1000 }, TEST_KEYS.acme));
      const answer = await gql(hub.url, aliased, { n: 10 }, TEST_KEYS.acme);
      assert.equal(answer.errors, undefined, 'small pages from variables still run');
    });
  });
}

describe('the cost limit with a larger HUB_MAX_PAGE_SIZE', () => {
  it('grows with the page size, so the largest page stays admitted', async (t) => {
    const hub = await startHubOn('memory', { HUB_MAX_PAGE_SIZE: '5000' });
    t.after(() => hub.stop());
    const answer = await gql(hub.url, `{ ${page('events', 5000)} }`, {}, TEST_KEYS.acme);
    assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
  });
});
