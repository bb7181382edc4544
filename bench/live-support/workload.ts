/**
 * What the live benchmarks (S3, S4) share: the API key their hub runs with,
 * the subscription every client sends, and the event they publish.
 */
import { PUBLISH_INPUT } from '../s1/workload.ts';

/** One key for publishers and subscribers of the bench tenant. */
export const LIVE_KEY = 'bench-live-key-0000000000000001';
export const LIVE_TENANT = 'bench';
export const LIVE_API_KEYS = JSON.stringify([{ key: LIVE_KEY, tenant: LIVE_TENANT, scopes: ['publish', 'subscribe'] }]);
export const AUTHORIZATION = `Bearer ${LIVE_KEY}`;

/**
 * What a subscriber selects: `type` and `position` first, so that a counting
 * client finds them at the start of every frame, then what a dashboard shows.
 */
export const SUBSCRIPTION_QUERY =
  'subscription Follow($filter: EventFilter) { events(filter: $filter) { type position id timestamp subject source { type id } payload } }';

/** The start of every `next` frame for subscription id "1" of an event of `type` (`type` may be a prefix of it). */
export const nextFramePrefix = (type: string): string =>
  `{"id":"1","type":"next","payload":{"data":{"events":{"type":"${type}`;

/** S1's event: a realistic `publishEvent` input (ten payload fields, a subject, a correlation id). */
export const EVENT_INPUT = PUBLISH_INPUT;

export const PUBLISH_MUTATION =
  'mutation Publish($input: PublishEventInput!) { publishEvent(input: $input) { status event { id position } } }';

/** The HTTP body that publishes one event of `type` (S1's input otherwise). */
export const publishBody = (type: string = EVENT_INPUT.type): string =>
  JSON.stringify({ query: PUBLISH_MUTATION, variables: { input: { ...EVENT_INPUT, type } } });

export const PUBLISH_HEADERS = {
  'content-type': 'application/json',
  accept: 'application/graphql-response+json, application/json',
  authorization: AUTHORIZATION,
} as const;
