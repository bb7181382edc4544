import { startHubOn } from './test/support/store-hubs.ts';
import { gql } from './test/support/graphql-client.ts';
import { TEST_KEYS } from './test/support/hub.ts';
import { publishInput } from './test/support/fixtures.ts';
const hub = await startHubOn('mongodb');
const input = Array.from({ length: 200 }, (_, i) => publishInput({ type: `budget.item${i % 20}.${'created_and_then_updated_'.repeat(4)}n${i}` }));
await gql(hub.url, 'mutation($input: [PublishEventInput!]!) { publishEvents(input: $input) { status } }', { input }, TEST_KEYS.acme);
const STATS = 'query($filter: EventFilter) { eventStats(filter: $filter, groupBy: TYPE) { key count } }';
for (const [n, body] of [[1, 'x'], [16, 'x'], [1, '.{0,255}'], [1, '.{0,255}.{0,255}.{0,255}'], [4, '.{0,255}'], [16, '[a-z]{0,30}']] as const) {
  const tag = 'q' + Date.now();
  const patterns = Array.from({ length: n }, (_, i) => ({ kind: 'REGEX', value: `${tag}${i}${body}` }));
  const t = performance.now();
  const r = await gql(hub.url, STATS, { filter: { patterns } }, TEST_KEYS.acme);
  console.log(n, body, (performance.now() - t).toFixed(0), 'ms', r.errors?.[0]?.message ?? '');
}
await hub.stop();
