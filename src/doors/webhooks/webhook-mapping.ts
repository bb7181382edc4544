import jsonata from 'jsonata';
import { ConfigError } from '../../config.ts';
import { DoorRefusal } from '../door-refusal.ts';
import { problem } from '../problem.ts';

/** The event fields a webhook source maps from the body, each a JSONata expression. */
export const MAPPING_FIELDS = ['type', 'subject', 'timestamp', 'idempotencyKey', 'payload'] as const;
export type MappingField = (typeof MAPPING_FIELDS)[number];
export type WebhookMapping = { type: string } & { [field in MappingField]?: string | undefined };
export type CompiledMapping = Partial<Record<MappingField, jsonata.Expression>>;

/** What a body maps to; absent fields take their defaults (now, the delivery id, the whole body). */
export interface MappedFields {
  type: string;
  subject?: string;
  timestamp?: Date;
  idempotencyKey?: string;
  payload?: unknown;
}

/** Evaluation depth past which an expression is stopped: a recursive lambda on a hostile body. */
const MAX_DEPTH = 500;
/** Items one sequence may hold while an expression runs. */
const MAX_SEQUENCE = 100_000;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

/**
 * Compiles a source's expressions once, bounded: each evaluation stops past `timeoutMs` or MAX_DEPTH.
 * An expression that does not compile is a ConfigError naming the source and the field.
 */
export function compileMapping(sourceId: string, mapping: WebhookMapping, timeoutMs: number): CompiledMapping {
  const compiled: CompiledMapping = {};
  for (const field of MAPPING_FIELDS) {
    const text = mapping[field];
    if (text === undefined) continue;
    try {
      compiled[field] = jsonata(text, { timeout: timeoutMs, stack: MAX_DEPTH, sequence: MAX_SEQUENCE });
    } catch (error) {
      throw new ConfigError(`webhook source "${sourceId}": mapping.${field} does not compile: ${reasonOf(error)}`);
    }
  }
  return compiled;
}

/**
 * Evaluates the mapping on a parsed body, `$headers` (lower-case names) and `$webhookId` bound. An
 * expression that fails, runs too long, or gives a value of the wrong kind answers 422 naming the field.
 */
export async function applyMapping(
  mapping: CompiledMapping,
  body: unknown,
  bindings: Record<string, unknown>,
): Promise<MappedFields> {
  const type = await evaluate(mapping, 'type', body, bindings);
  if (typeof type !== 'string' || type === '') throw mappingFailed('type', 'gave no string');
  const fields: MappedFields = { type };
  const subject = await evaluate(mapping, 'subject', body, bindings);
  if (subject !== undefined) fields.subject = text(subject, 'subject');
  const timestamp = await evaluate(mapping, 'timestamp', body, bindings);
  if (timestamp !== undefined) {
    if (typeof timestamp !== 'string' || !TIMESTAMP.test(timestamp) || Number.isNaN(Date.parse(timestamp)))
      throw mappingFailed('timestamp', 'gave no ISO 8601 timestamp with a time zone');
    fields.timestamp = new Date(timestamp);
  }
  const key = await evaluate(mapping, 'idempotencyKey', body, bindings);
  if (key !== undefined)
    fields.idempotencyKey = typeof key === 'number' && Number.isFinite(key) ? String(key) : text(key, 'idempotencyKey');
  if (mapping.payload) {
    const payload = await evaluate(mapping, 'payload', body, bindings);
    if (payload === null || typeof payload !== 'object' || Array.isArray(payload))
      throw mappingFailed('payload', 'gave no JSON object');
    fields.payload = JSON.parse(JSON.stringify(payload)); // plain JSON: no sequence markers or functions
  }
  return fields;
}

async function evaluate(
  mapping: CompiledMapping,
  field: MappingField,
  body: unknown,
  bindings: Record<string, unknown>,
): Promise<unknown> {
  const expression = mapping[field];
  if (!expression) return undefined;
  try {
    return await expression.evaluate(body, bindings);
  } catch (error) {
    throw mappingFailed(field, `failed: ${reasonOf(error)}`);
  }
}

function text(value: unknown, field: MappingField): string {
  if (typeof value !== 'string' || value === '') throw mappingFailed(field, 'gave no string');
  return value;
}

const mappingFailed = (field: MappingField, what: string): DoorRefusal =>
  new DoorRefusal(problem(422, 'UNPROCESSABLE', `mapping.${field} ${what}`, { path: ['mapping', field] }));

/** JSONata errors are plain objects with a code, a message and a position. */
function reasonOf(error: unknown): string {
  const { code, message, position } = (error ?? {}) as { code?: string; message?: string; position?: number };
  return `${message ?? String(error)}${code ? ` (${code}${position !== undefined ? ` at ${position}` : ''})` : ''}`.slice(
    0,
    300,
  );
}
