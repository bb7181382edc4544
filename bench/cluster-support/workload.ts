/**
 * The event S5 and S6 publish and read: S1's `publishEvent` input (type,
 * INTEGRATION source, subject, a payload of ten fields, a correlationId),
 * with a few numeric fields of the benchmark's own added to the payload.
 */
import { PUBLISH_INPUT } from '../s1/workload.ts';

/** The hub's single API key in S5 and S6 (tenant `bench`): auth runs as in production. */
export const BENCH_KEY = 'bench-cluster-key-all-scopes-0001';
export const BENCH_TENANT = 'bench';
export const BENCH_API_KEYS = JSON.stringify([
  { key: BENCH_KEY, tenant: BENCH_TENANT, scopes: ['publish', 'subscribe', 'query'] },
]);

export const EVENT_TYPE = PUBLISH_INPUT.type;

export const PUBLISH_QUERY =
  'mutation Publish($input: PublishEventInput!) { publishEvent(input: $input) { status event { id position } } }';

/** Every field of an event, as a subscriber that wants the whole event selects it. */
export const EVENT_FIELDS =
  'id type version tenantId source { type id } timestamp receivedAt subject payload metadata { correlationId } position';

/** A publish input: the S1 event with `extra` (numbers only, so sizes stay fixed) merged into its payload. */
export function eventInput(extra: Record<string, number>) {
  return { ...PUBLISH_INPUT, payload: { ...PUBLISH_INPUT.payload, ...extra } };
}

export const REQUEST_HEADERS = {
  'content-type': 'application/json',
  accept: 'application/graphql-response+json, application/json',
  authorization: `Bearer ${BENCH_KEY}`,
} as const;
