import { BENCH_KEY, PUBLISH_INPUT, REQUEST_BODY, REQUEST_HEADERS } from '../s1/workload.ts';

/**
 * S9's two requests for the same event as S1's: GraphQL `publishEvent` (S1's request, byte for
 * byte) and a binary-mode CloudEvent at `POST /events` — the payload as the body, every other field
 * a `ce-` header. A CloudEvent's id is required and keys its idempotency, so each request gets a
 * fresh one (autocannon replaces `[<id>]`); the GraphQL side is rebuilt per request alike, so the
 * load generator pays the same on both.
 */
export const SIDES = ['graphql', 'events'] as const;
export type Side = (typeof SIDES)[number];

export interface SideRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
}

export const REQUESTS: Record<Side, SideRequest> = {
  graphql: { path: '/graphql', headers: { ...REQUEST_HEADERS }, body: REQUEST_BODY },
  events: {
    path: '/events',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${BENCH_KEY}`,
      'ce-specversion': '1.0',
      'ce-id': '[<id>]',
      'ce-source': PUBLISH_INPUT.source.id,
      'ce-sourcetype': PUBLISH_INPUT.source.type,
      'ce-type': PUBLISH_INPUT.type,
      'ce-subject': PUBLISH_INPUT.subject,
      'ce-correlationid': PUBLISH_INPUT.metadata.correlationId,
    },
    body: JSON.stringify(PUBLISH_INPUT.payload),
  },
};

/** The goal: CloudEvents binary at least 1.5× GraphQL's rate (no document to parse, validate or execute). */
export const GOAL = 1.5;
