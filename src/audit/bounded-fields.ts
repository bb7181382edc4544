/**
 * Audit payloads repeat parts of the request they record, and a request may
 * be far larger than an event may be (a replay filter can take megabytes of
 * request body). These keep each repeated part small, so the record stays
 * within HUB_MAX_EVENT_BYTES whatever the request held.
 */

/** Most distinct root field names kept; the schema has fewer, so this only bounds made-up lists. */
export const MAX_AUDIT_FIELDS = 20;

/** Largest serialized filter kept whole in an audit event. */
export const MAX_AUDIT_FILTER_BYTES = 4096;

/** Root field names without repeats (aliases repeat them), at most MAX_AUDIT_FIELDS, each at most 100 characters. */
export function boundedFields(fields: readonly string[]): string[] {
  return [...new Set(fields)].slice(0, MAX_AUDIT_FIELDS).map((field) => field.slice(0, 100));
}

/** A cut-down stand-in for JSON larger than `maxBytes`: its size and its first characters. */
export interface TruncatedJson {
  truncated: true;
  bytes: number;
  excerpt: string;
}

/** `value` itself when its JSON fits in `maxBytes`, else a TruncatedJson whose excerpt fits in it. */
export function boundedJson(value: unknown, maxBytes: number): unknown {
  const json = JSON.stringify(value) ?? 'null';
  const bytes = Buffer.byteLength(json);
  if (bytes <= maxBytes) return value;
  // Characters, then bytes: a multi-byte excerpt is cut again until it fits.
  let excerpt = json.slice(0, maxBytes);
  while (excerpt.length > 0 && Buffer.byteLength(JSON.stringify(excerpt)) > maxBytes)
    excerpt = excerpt.slice(0, Math.floor(excerpt.length * 0.9));
  return { truncated: true, bytes, excerpt } satisfies TruncatedJson;
}
