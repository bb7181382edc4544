import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { publishInput } from '../support/fixtures.ts';
import { type Edge, errorCodes, gql, PUBLISH } from '../support/graphql-client.ts';
import { startTestHub, TEST_KEYS } from '../support/hub.ts';

/** More runs of one document than the hub needs before it compiles it (src/server/compiled-execution.ts). */
const RUNS = 15;

describe('coded errors and repeated operations over GraphQL', () => {
  let hub: Awaited<ReturnType<typeof startTestHub>>;
  before(async () => {
    hub = await startTestHub();
  });
  after(async () => {
    await hub.stop();
  });
  const acme = (query: string, variables: Record<string, unknown> = {}) =>
    gql(hub.url, query, variables, TEST_KEYS.acme);

  it('answers variables that do not fit their types with BAD_USER_INPUT naming the variable, on every run', async () => {
    for (let run = 0; run < RUNS; run++) {
      const wrongScalar = await acme(PUBLISH, { input: publishInput({ type: 123 }) });
      assert.deepEqual(errorCodes(wrongScalar), ['BAD_USER_INPUT'], `run ${run}`);
      assert.match(wrongScalar.errors![0]!.message, /Variable "\$input".*input\.type/);
      const wrongEnum = await acme(PUBLISH, { input: publishInput({ source: { type: 'ROBOT', id: 'x' } }) });
      assert.deepEqual(errorCodes(wrongEnum), ['BAD_USER_INPUT']);
      // and the same document with good variables still works after the bad ones
      assert.equal(
        (await acme(PUBLISH, { input: publishInput({ type: 'errors.good.one' }) })).data?.publishEvent.status,
        'ACCEPTED',
      );
    }
  });

  it('locates a hub error at the field that failed and says where in the input it is', async () => {
    const result = await acme('query { events(filter: { types: ["Not A Type"] }) { edges { cursor } } }');
    assert.deepEqual(errorCodes(result), ['BAD_USER_INPUT']);
    assert.deepEqual(result.errors![0]!.path, ['events']);
    assert.deepEqual(result.errors![0]!.extensions?.['inputPath'], ['filter', 'types', '0']);
  });

  it('gives each run of a repeated mutation and query its own variables', async () => {
    const published: { id: string; type: string; position: number }[] = [];
    for (let run = 0; run < RUNS; run++) {
      const result = await acme(PUBLISH, { input: publishInput({ type: `repeat.run.n${run}`, payload: { run } }) });
      const event = result.data?.publishEvent.event;
      assert.equal(event.type, `repeat.run.n${run}`);
      assert.deepEqual(event.payload, { run });
      published.push(event);
    }
    assert.equal(new Set(published.map((e) => e.id)).size, RUNS);
    for (let i = 1; i < RUNS; i++) assert.ok(published[i]!.position > published[i - 1]!.position);

    const BY_TYPE =
      'query($types: [String!]) { events(filter: { types: $types }) { edges { node { type payload } } } }';
    for (let run = 0; run < RUNS; run++) {
      const result = await acme(BY_TYPE, { types: [`repeat.run.n${run}`] });
      assert.deepEqual(result.data?.events.edges, [{ node: { type: `repeat.run.n${run}`, payload: { run } } }]);
    }
  });

  it('keeps object literals and JSON literals in a repeated query exactly as written', async () => {
    const query = `query($min: JSON) {
      literal: events(filter: { where: [{ path: "payload.run", op: GTE, value: 13 }] }) { edges { node { payload } } }
      variable: events(filter: { where: [{ path: "payload.run", op: GTE, value: $min }] }) { edges { node { payload } } }
    }`;
    for (let run = 0; run < RUNS; run++) {
      const result = await acme(query, { min: 14 });
      assert.deepEqual(result.errors, undefined);
      const runs = (edges: Edge<{ payload: { run: number } }>[]) => edges.map((e) => e.node.payload.run);
      assert.deepEqual(runs(result.data?.literal.edges).sort(), [13, 14], `run ${run}`);
      assert.deepEqual(runs(result.data?.variable.edges), [14], `run ${run}`);
    }
  });
});
