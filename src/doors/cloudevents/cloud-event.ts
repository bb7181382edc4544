import { createHash } from 'node:crypto';
import { z } from 'zod';
import { badInput } from '../../errors.ts';
import { parseTraceContext, type TraceContext } from '../../events/trace-context.ts';
import { DoorRefusal } from '../door-refusal.ts';
import { problem } from '../problem.ts';

/** A CloudEvent read from JSON or from binary-mode headers: attribute names to values, `data` beside them. */
export type CloudEventObject = Record<string, unknown>;

/** What ingest gets for one CloudEvent: the publish input and the trace its producer started, if it named one. */
export interface MappedCloudEvent {
  input: Record<string, unknown>;
  trace?: TraceContext | undefined;
}

/** Attribute names (CloudEvents 1.0: lower-case ASCII letters and digits). */
const ATTRIBUTE_NAME = /^[a-z0-9]+$/;
/** Extensions the hub maps to fields of its own; any other attribute is kept in `metadata.attributes.cloudevents`. */
const MAPPED = new Set([
  'specversion',
  'id',
  'source',
  'type',
  'time',
  'subject',
  'datacontenttype',
  'data',
  'sourcetype',
  'correlationid',
  'causationid',
  'traceparent',
  'tracestate',
]);

const required = (what: string) => ({
  error: (issue: { input: unknown }) => (issue.input === undefined ? `required: ${what}` : `must be a string: ${what}`),
});

/**
 * The envelope rules of CloudEvents 1.0 only. The event's own rules (type naming, subject and
 * source length, payload shape and size, the catalog) are ingest's, as for every way in.
 */
const envelope = z.looseObject({
  specversion: z
    .string(required('the CloudEvents version, "1.0"'))
    .refine((v) => v === '1.0', 'must be "1.0": this hub speaks CloudEvents 1.0'),
  id: z.string(required('the event id, unique per source')).min(1, 'must not be empty'),
  source: z.string(required('a URI-reference naming the producer')).min(1, 'must not be empty'),
  type: z.string(required('the event type')).min(1, 'must not be empty'),
  time: z.iso
    .datetime({ offset: true, error: 'must be an RFC 3339 timestamp with a time zone, e.g. 2026-01-05T10:00:00Z' })
    .optional(),
});

/** `*\/json` or `*\/*+json` once parameters are stripped: the media types whose data is a JSON value. */
export function isJsonMediaType(contentType: string): boolean {
  const mediaType = contentType.split(';')[0]!.trim().toLowerCase();
  return /^[a-z0-9!#$&^_.-]+\/([a-z0-9!#$&^_.-]+\+)?json$/.test(mediaType);
}

/** 415: the hub stores JSON payloads only. */
export const notJson = (what: string): DoorRefusal =>
  new DoorRefusal(
    problem(
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      `${what}: the hub stores JSON data only (application/json or a */*+json type)`,
    ),
  );

/**
 * The publish input of a CloudEvent: `type` → type, `source` → source.id (type EXTERNAL unless a
 * `sourcetype` extension names another), `id` → an idempotency key scoped by source, `subject`,
 * `time` → timestamp, `data` → payload, `correlationid` and `causationid` → metadata, `traceparent`
 * → the event's trace. Throws BAD_USER_INPUT with the attribute's path, or 415 for non-JSON data.
 */
export function fromCloudEvent(event: CloudEventObject): MappedCloudEvent {
  const attributes = Object.fromEntries(
    Object.entries(event).filter(([name, value]) => value !== null || name === 'data'),
  );
  const parsed = envelope.safeParse(attributes);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.map(String);
    throw badInput(`${path.join('.')}: ${issue.message}`, path);
  }
  const { id, source, type, time } = parsed.data;
  if ('data_base64' in attributes) throw notJson('data_base64 holds binary data');
  const contentType = attributes['datacontenttype'];
  if (typeof contentType === 'string' && !isJsonMediaType(contentType))
    throw notJson(`datacontenttype ${contentType.slice(0, 100)}`);
  const sourceType = attributes['sourcetype'];
  const input = {
    type,
    source: {
      type: typeof sourceType === 'string' ? sourceType.toUpperCase() : (sourceType ?? 'EXTERNAL'),
      id: source,
    },
    ...(time !== undefined && { timestamp: new Date(time) }),
    ...('subject' in attributes && { subject: attributes['subject'] }),
    payload: attributes['data'] ?? {},
    metadata: {
      idempotencyKey: idempotencyKeyOf(source, id),
      ...('correlationid' in attributes && { correlationId: attributes['correlationid'] }),
      ...('causationid' in attributes && { causationId: attributes['causationid'] }),
      attributes: { cloudevents: { id, ...extensionsOf(attributes) } },
    },
  };
  const { traceparent, tracestate } = attributes;
  const trace =
    typeof traceparent === 'string'
      ? parseTraceContext(traceparent, typeof tracestate === 'string' ? tracestate : undefined)
      : undefined;
  return { input, trace };
}

/** Attributes the hub has no field for (`dataschema`, other extensions), kept as sent; names and value types checked. */
function extensionsOf(attributes: CloudEventObject): Record<string, unknown> {
  const kept: [string, unknown][] = [];
  for (const [name, value] of Object.entries(attributes)) {
    if (MAPPED.has(name)) continue;
    if (!ATTRIBUTE_NAME.test(name))
      throw badInput(`${name}: attribute names are lower-case letters and digits only`, [name]);
    if (!['string', 'number', 'boolean'].includes(typeof value))
      throw badInput(`${name}: an attribute is a string, number or boolean`, [name]);
    kept.push([name, value]);
  }
  return Object.fromEntries(kept);
}

/**
 * CloudEvents makes `source` + `id` unique, so the key names both: a digest, which keeps it within
 * the hub's 256 characters whatever the two hold, and never lets one source's ids answer DUPLICATE
 * for another's. The id as sent is kept in `metadata.attributes.cloudevents.id`.
 */
export function idempotencyKeyOf(source: string, id: string): string {
  return `ce:${createHash('sha256')
    .update(JSON.stringify([source, id]))
    .digest('base64url')}`;
}

/** Where ingest's refusal points, said in CloudEvents attribute names (`payload.amount` → `data.amount`). */
export function cloudEventPath(path: readonly string[]): readonly string[] {
  const [head, second, ...rest] = path;
  if (head === 'payload') return ['data', ...path.slice(1)];
  if (head === 'timestamp') return ['time'];
  if (head === 'source') return second === 'type' ? ['sourcetype'] : ['source'];
  if (head === 'input') return [];
  if (head !== 'metadata') return path;
  if (second === 'idempotencyKey') return ['id'];
  if (second === 'correlationId' || second === 'causationId') return [second.toLowerCase()];
  if (second === 'attributes') return rest.slice(1);
  return path;
}
