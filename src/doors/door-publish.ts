import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuditActor, AuditTrail } from '../audit/audit-trail.ts';
import { ErrorCode, isHubError } from '../errors.ts';
import { encodePosition } from '../events/position.ts';
import { parseTraceContext, type TraceContext } from '../events/trace-context.ts';
import type { Ingest, PublishRequest, PublishResult } from '../ingest/ingest.ts';
import type { Publisher } from '../limits/publish-rate-limiter.ts';
import { problemBody, problemOf } from './problem.ts';

/** What one door request publishes as, and how the audit trail names it. */
export interface DoorPublisher {
  tenantId: string;
  /** Whose rate limit applies: the API key, or a webhook source's own identity. */
  by: Publisher;
  /** `POST /events`, `POST /webhooks/{id}`: the `fields` of a `system.rate_limit.exceeded` event. */
  operation: string;
  actor: AuditActor;
}

/**
 * Publishes through the one ingest path GraphQL uses. A RATE_LIMITED refusal is told to the audit
 * trail here, as the GraphQL layer does for its operations, and then thrown for the door to answer 429.
 */
export async function publishThroughDoor(
  { ingest, audit }: { ingest: Ingest; audit: AuditTrail },
  publisher: DoorPublisher,
  inputs: readonly unknown[],
  request: Pick<PublishRequest, 'trace' | 'traces'>,
): Promise<PublishResult[]> {
  try {
    return await ingest.publish(publisher.tenantId, inputs, { by: publisher.by, ...request });
  } catch (error) {
    if (isHubError(error) && error.code === ErrorCode.RATE_LIMITED) {
      const { limit, retryAfterMs } = error.extensions;
      audit.rateLimited({
        ...publisher.actor,
        tenantId: publisher.tenantId,
        fields: [publisher.operation],
        limit: Number(limit),
        retryAfterMs: Number(retryAfterMs),
      });
    }
    throw error;
  }
}

/** The request as the audit trail knows a caller: request id, trace, address; `keyName` as given. */
export function requestActor(req: IncomingMessage, keyName: string | null): AuditActor {
  return {
    keyName,
    requestId: headerText(req.headers['x-request-id']) ?? randomUUID(),
    trace: requestTrace(req),
    clientAddress: req.socket.remoteAddress,
  };
}

/** The W3C trace context of the HTTP request itself (`traceparent`, `tracestate` headers). */
export const requestTrace = (req: IncomingMessage): TraceContext | undefined =>
  parseTraceContext(headerText(req.headers.traceparent), headerText(req.headers.tracestate));

const headerText = (value: string | string[] | undefined): string | undefined =>
  typeof value === 'string' ? value.slice(0, 600) : undefined;

/** One event's answer: `{ status, id, position, originalEventId }`, and a REJECTED item's problem. */
export function answerOf(
  result: PublishResult,
  pathOf: (path: readonly string[]) => readonly string[] = (path) => path,
): Record<string, unknown> {
  switch (result.status) {
    case 'ACCEPTED':
      return {
        status: result.status,
        id: result.event.id,
        position: encodePosition(result.event.position),
        originalEventId: null,
      };
    case 'DUPLICATE':
      return { status: result.status, id: null, position: null, originalEventId: result.originalEventId };
    case 'REJECTED': {
      const problem = problemOf(result.error);
      return {
        status: result.status,
        id: null,
        position: null,
        originalEventId: null,
        problem: problemBody({ ...problem, path: problem.path && pathOf(problem.path) }),
      };
    }
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
