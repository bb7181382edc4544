import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { badInput } from '../../errors.ts';
import type { HubServices } from '../../server/context.ts';
import { isJsonMediaType, notJson } from '../cloudevents/cloud-event.ts';
import {
  answerOf,
  publishThroughDoor,
  requestActor,
  requestTrace,
  sendJson,
  type DoorPublisher,
} from '../door-publish.ts';
import { isDoorRefusal } from '../door-refusal.ts';
import { readBody, type HttpRoute } from '../http-route.ts';
import { problem, problemOf, sendProblem } from '../problem.ts';
import { applyMapping } from './webhook-mapping.ts';
import { verifyGithub, verifyStandard, type Verdict } from './webhook-signatures.ts';
import type { WebhookSource, WebhookSources } from './webhook-sources.ts';

const PREFIX = '/webhooks/';
/** Headers a mapping never sees: credentials and the signatures themselves. */
const HIDDEN_HEADERS = new Set([
  'authorization',
  'cookie',
  'webhook-signature',
  'x-hub-signature',
  'x-hub-signature-256',
]);
/** The hub's limit on an idempotency key. */
const MAX_KEY = 256;

export interface WebhooksDoorOptions {
  sources: WebhookSources;
  services: Pick<HubServices, 'ingest' | 'audit'>;
  /** HUB_MAX_BODY_BYTES. */
  maxBodyBytes: number;
  now?: () => number;
}

/**
 * `POST /webhooks/{sourceId}`: a delivery signed by one of the source's secrets (Standard Webhooks or
 * GitHub), mapped by the source's JSONata expressions to an event in the source's tenant and
 * published through ingest like any other, under the tenant's rate limit (as publisher
 * `webhook:<id>`). A fresh delivery answers 202 ACCEPTED, a redelivery 200 DUPLICATE; an unsigned or
 * badly signed one 401, recorded as `system.access.denied` in the tenant (sampled).
 */
export function createWebhooksDoor(options: WebhooksDoorOptions): HttpRoute {
  return {
    name: 'POST /webhooks/{sourceId}',
    matches: (pathname) => pathname.startsWith(PREFIX),
    async handle(req, res, pathname) {
      try {
        await serve(req, res, pathname.slice(PREFIX.length), options);
      } catch (error) {
        if (isDoorRefusal(error)) return sendProblem(res, error.problem);
        throw error;
      }
    },
  };
}

async function serve(
  req: IncomingMessage,
  res: ServerResponse,
  sourceId: string,
  options: WebhooksDoorOptions,
): Promise<void> {
  const source = options.sources.get(sourceId);
  if (!source) return sendProblem(res, problem(404, 'NOT_FOUND', 'no webhook source has this id'));
  if (req.method !== 'POST') {
    res.setHeader('allow', 'POST');
    return sendProblem(res, problem(405, 'METHOD_NOT_ALLOWED', 'webhooks are delivered with POST'));
  }
  const body = await readBody(req, options.maxBodyBytes);
  if (body === null) {
    res.setHeader('connection', 'close');
    return sendProblem(
      res,
      problem(413, 'PAYLOAD_TOO_LARGE', `request body exceeds ${options.maxBodyBytes} bytes`, {
        extensions: { limit: options.maxBodyBytes },
      }),
    );
  }
  const operation = `POST /webhooks/${source.id}`;
  const actor = requestActor(req, `webhook:${source.id}`);
  const verdict = verify(source, req.headers, body, (options.now ?? Date.now)());
  if (!verdict.verified) {
    options.services.audit.accessDenied({
      ...actor,
      tenantId: source.tenant,
      code: 'UNAUTHENTICATED',
      operation,
      fields: [],
    });
    return sendProblem(res, problem(401, 'UNAUTHENTICATED', verdict.reason));
  }
  const parsed = parseBody(req.headers['content-type'], body);
  const mapped = await applyMapping(source.mapping, parsed, {
    headers: visibleHeaders(req.headers),
    webhookId: verdict.deliveryId,
  });
  const key = mapped.idempotencyKey ?? verdict.deliveryId;
  if (key === undefined)
    throw badInput('the delivery has no id (X-GitHub-Delivery) and the mapping gives no idempotencyKey', [
      'idempotencyKey',
    ]);
  const input = {
    type: mapped.type,
    source: { type: 'WEBHOOK', id: source.id },
    ...(mapped.timestamp && { timestamp: mapped.timestamp }),
    ...(mapped.subject !== undefined && { subject: mapped.subject }),
    payload: mapped.payload ?? parsed,
    metadata: {
      idempotencyKey: scopedKey(source.id, key),
      ...(verdict.deliveryId && { attributes: { webhook: { deliveryId: verdict.deliveryId } } }),
    },
  };
  const publisher: DoorPublisher = { tenantId: source.tenant, by: { keyId: `webhook:${source.id}` }, operation, actor };
  const [result] = await publishThroughDoor(options.services, publisher, [input], { trace: requestTrace(req) });
  if (result!.status === 'REJECTED') return sendProblem(res, problemOf(result!.error));
  sendJson(res, result!.status === 'DUPLICATE' ? 200 : 202, answerOf(result!));
}

function verify(source: WebhookSource, headers: IncomingHttpHeaders, body: Buffer, nowMs: number): Verdict {
  return source.scheme === 'github'
    ? verifyGithub(headers, body, source.keys)
    : verifyStandard(headers, body, source.keys, nowMs);
}

/** The body as JSON (also without a Content-Type); the hub stores JSON payloads only. */
function parseBody(contentType: string | undefined, body: Buffer): unknown {
  if (contentType !== undefined && !isJsonMediaType(contentType))
    throw notJson(`Content-Type ${contentType.slice(0, 100)}`);
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw badInput('the body is not valid JSON', []);
  }
}

/** `$headers` of a mapping: lower-case names, repeated headers joined, no credentials or signatures. */
function visibleHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const visible: [string, string][] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HIDDEN_HEADERS.has(name))
      visible.push([name, Array.isArray(value) ? value.join(', ') : value]);
  }
  return Object.fromEntries(visible);
}

/**
 * Idempotency keys are per tenant, and two sources of a tenant may well number their deliveries
 * alike: the key names the source too, digested when it would pass the hub's limit.
 */
function scopedKey(sourceId: string, key: string): string {
  const scoped = `wh:${sourceId}:${key}`;
  return scoped.length <= MAX_KEY
    ? scoped
    : `wh:${sourceId}:sha256:${createHash('sha256').update(key).digest('base64url')}`;
}
