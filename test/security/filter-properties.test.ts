import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { publishInput } from '../support/fixtures.ts';
import { errorCodes, gql } from '../support/graphql-client.ts';
import { TEST_KEYS } from '../support/hub.ts';
import { STORE_KINDS, startHubOn, type TestHub } from '../support/store-hubs.ts';

const EVENTS = 'query($filter: EventFilter) { events(filter: $filter, first: 20) { edges { node { type } } } }';
const STATS = 'query($filter: EventFilter) { eventStats(filter: $filter, groupBy: TYPE) { key count } }';
const PUBLISH_MANY = 'mutation($input: [PublishEventInput!]!) { publishEvents(input: $input) { status } }';

/** The bound on any filter request. */
const BUDGET_MS = 1000;
/** Property runs per store: FerretDB is slower per request, so it gets fewer. */
const RUNS = { memory: 150, mongodb: 25 } as const;

/** Mostly what a client would send, sometimes something hostile: both must be answered in time with a code. */
const often = <T>(plausible: fc.Arbitrary<T>, hostile: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 8, arbitrary: plausible }, { weight: 1, arbitrary: hostile });

/** Pieces of REGEX patterns: hostile repeats, backtracking traps, broken syntax, and the harmless. */
const hostilePiece = fc.constantFrom(
  '.{0,1000}',
  '.{0,255}',
  'a{0,255}',
  'x{1000}',
  '(?:a{0,10}){0,10}',
  '(a+)+',
  '(a|aa)+',
  '\\pL{2,300}',
  '(',
  ')',
  '[',
  '\\',
  '{2,1}',
  '\\1',
  '(?=a)',
  '\0',
);
const harmlessPiece = fc.constantFrom(
  '^prop\\.',
  'item[0-9]',
  '\\.created$',
  '.{0,20}',
  '[^x]*',
  '.*',
  '\\w+',
  '(?i)PROP',
  '(?:ab){0,5}',
  'crm',
  '\\Qa.b\\E',
  '(?P<n>m)',
);
const regexValue = often(
  fc.array(harmlessPiece, { minLength: 1, maxLength: 4 }),
  fc.array(fc.oneof(hostilePiece, harmlessPiece), { minLength: 1, maxLength: 40 }),
).map((pieces) => pieces.join(''));

const typeValue = often(
  fc.constantFrom('prop.*.created', 'prop.>', 'prop.item1.created', 'crm.>', '*.item2.*.>'),
  fc.oneof(
    fc
      .array(fc.constantFrom('crm', 'prop', '*', '>', 'a_1', 'Bad', '', 'x'.repeat(300)), {
        minLength: 1,
        maxLength: 8,
      })
      .map((s) => s.join('.')),
    fc.string({ maxLength: 300 }),
  ),
);
const pattern = fc.oneof(
  fc.record({ kind: fc.constant('REGEX'), value: regexValue }),
  fc.record({ kind: fc.constant('WILDCARD'), value: typeValue }),
  fc.record({
    kind: fc.constantFrom('EXACT', 'PREFIX'),
    value: fc.constantFrom('prop.item1.created', 'prop.item', 'crm.a.b'),
  }),
);

const scalar = fc.oneof(fc.string({ maxLength: 40 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
const key = fc.oneof(
  fc.constantFrom('a', 'b', '$gt', '$where', '__proto__', 'constructor'),
  fc.string({ maxLength: 8 }),
);
const nested: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'medium' },
    scalar,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(key, tie('value'), { maxKeys: 4 }),
  ),
})).value;
const whereValue = often(
  fc.oneof(scalar, fc.array(scalar, { minLength: 1, maxLength: 5 })),
  fc.oneof(
    nested,
    fc.string({ minLength: 1000, maxLength: 1100 }),
    fc.integer({ min: 1, max: 2000 }).map((depth) => {
      let value: unknown = 'deep';
      for (let i = 0; i < depth; i++) value = i % 2 ? { a: value } : [value];
      return value;
    }),
    fc
      .integer({ min: 100, max: 20_000 })
      .map((n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]))),
    fc.array(scalar, { minLength: 90, maxLength: 150 }),
  ),
);
const condition = fc.record({
  path: often(
    fc.constantFrom('payload.n', 'payload.a.b', 'metadata.x', 'subject', 'source.id', '$.payload.n'),
    fc.oneof(fc.constantFrom('tenantId', 'payload.$x', 'payload..a'), fc.string({ maxLength: 400 })),
  ),
  op: fc.constantFrom('EQ', 'NE', 'GT', 'GTE', 'LT', 'LTE', 'IN', 'CONTAINS', 'EXISTS'),
  value: whereValue,
});

const text = often(
  fc.string({ maxLength: 30 }),
  fc.oneof(fc.string({ minLength: 500, maxLength: 600 }), fc.constant('x'.repeat(50_000))),
);
const list = <T>(item: fc.Arbitrary<T>, most: number) =>
  often(fc.array(item, { maxLength: 3 }), fc.array(item, { maxLength: most }));

const filter = fc.record(
  {
    types: list(typeValue, 70),
    patterns: list(pattern, 70),
    where: list(condition, 40),
    sourceId: text,
    subject: text,
    actorId: text,
  },
  { requiredKeys: [] },
);

for (const kind of STORE_KINDS) {
  describe(`any filter on ${kind}`, () => {
    let hub: TestHub;
    before(async () => {
      hub = await startHubOn(kind);
      const input = Array.from({ length: 40 }, (_, i) =>
        publishInput({ type: `prop.item${i % 8}.created`, subject: `s${i}`, payload: { n: i, a: { b: `v${i}` } } }),
      );
      assert.ok((await gql(hub.url, PUBLISH_MANY, { input }, TEST_KEYS.acme)).data);
    });
    after(() => hub.stop());

    it('is answered or refused with BAD_USER_INPUT within 1 s by events and eventStats, never with INTERNAL_SERVER_ERROR', async () => {
      await fc.assert(
        fc.asyncProperty(filter, async (value) => {
          for (const query of [EVENTS, STATS]) {
            const start = performance.now();
            const result = await gql(hub.url, query, { filter: value }, TEST_KEYS.acmeReadOnly);
            const ms = performance.now() - start;
            assert.ok(ms < BUDGET_MS, `answered in ${ms} ms`);
            assert.ok(result.status < 500, `status ${result.status}`);
            for (const code of errorCodes(result)) assert.equal(code, 'BAD_USER_INPUT', JSON.stringify(result.errors));
            if (!result.errors) assert.ok(result.data, 'an answer without errors has data');
          }
        }),
        { numRuns: RUNS[kind] },
      );
    });
  });
}
