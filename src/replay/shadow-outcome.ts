import { createHash } from 'node:crypto';
import type { DeliveryErrorInfo } from '../handlers/handler-store.ts';
import type { EventProcessing } from '../handlers/processing-trail.ts';

/** A follow-up a shadow run published: captured, checked as `publishEvent` would, never stored. */
export interface ShadowFollowUp {
  type: string;
  subject: string | null;
  /** Null once the outcome's payloads pass SHADOW_PAYLOAD_BYTES: `payloadHash` still compares it. */
  payload: Record<string, unknown> | null;
  /** SHA-256 of the payload as canonical JSON (keys sorted), hex. */
  payloadHash: string;
}

/** HANDLED or FAILED: the one attempt's result. SKIPPED: the shadow's types do not take the event (the live handler's do). */
export type ShadowStatus = 'HANDLED' | 'FAILED' | 'SKIPPED';

/** What a shadow handler did with one event. */
export interface ShadowOutcome {
  status: ShadowStatus;
  /** 1, or 0 when SKIPPED: a replayed call is never retried. */
  attempts: number;
  durationMs: number;
  /** In publish order, at most MAX_FOLLOW_UPS; REJECTED publishes are not among them. */
  followUps: ShadowFollowUp[];
  error: DeliveryErrorInfo | null;
}

/** A follow-up as compared: the live ones are read from the store by the ids in the trail. */
export interface ComparedFollowUp {
  type: string;
  subject: string | null;
  payloadHash: string;
}

/**
 * One (event, handler) of a SHADOW job whose shadow outcome differs from the live trail. Keyed by
 * (jobId, eventId, handler): a chunk run again after a takeover replaces its own.
 */
export interface ReplayDifference {
  jobId: string;
  tenantId: string;
  eventId: string;
  /** The event's position: differences are listed in event order. */
  position: number;
  /** The handler the shadow ran. */
  handler: string;
  /** The trail entry of the handler it compares with (its `shadows`, else itself) when the job ran; null when there was none. */
  live: EventProcessing | null;
  shadow: ShadowOutcome;
  /** What differs: values of `Change`. */
  changes: string[];
}

/** The names `changes` uses. */
export const Change = {
  STATUS: 'status',
  ERROR: 'error',
  FOLLOW_UP_COUNT: 'followUps.count',
  FOLLOW_UP_TYPES: 'followUps.types',
  FOLLOW_UP_SUBJECTS: 'followUps.subjects',
  FOLLOW_UP_PAYLOADS: 'followUps.payloads',
} as const;

/** JSON with object keys sorted, so two payloads that differ only in key order hash alike. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export const payloadHash = (payload: unknown): string =>
  createHash('sha256').update(canonicalJson(payload)).digest('hex');

/** Success, failure, or nothing done: FAILED (retrying) and DEAD_LETTERED both failed; no trail entry and SKIPPED both did nothing. */
const liveResult = (live: EventProcessing | null) =>
  !live || live.status === 'PENDING' ? 'NONE' : live.status === 'HANDLED' ? 'HANDLED' : 'FAILED';
const shadowResult = (shadow: ShadowOutcome) => (shadow.status === 'SKIPPED' ? 'NONE' : shadow.status);

/**
 * What differs between the live outcome (with its follow-ups as read from the store) and the
 * shadow's; empty when they agree. Follow-ups compare as multisets: publish order may differ
 * without meaning anything.
 */
export function changesOf(
  live: EventProcessing | null,
  liveFollowUps: readonly ComparedFollowUp[],
  shadow: ShadowOutcome,
): string[] {
  const changes: string[] = [];
  const [was, is] = [liveResult(live), shadowResult(shadow)];
  if (was !== is) changes.push(Change.STATUS);
  else if (is === 'FAILED' && live?.error?.code !== shadow.error?.code) changes.push(Change.ERROR);
  const before = sorted(liveFollowUps);
  const after = sorted(shadow.followUps);
  if (before.length !== after.length) changes.push(Change.FOLLOW_UP_COUNT);
  const types = (list: ComparedFollowUp[]) => [...new Set(list.map((f) => f.type))].sort().join('\n');
  if (types(before) !== types(after)) changes.push(Change.FOLLOW_UP_TYPES);
  else if (before.length === after.length) {
    if (before.some((f, i) => f.type !== after[i]!.type)) changes.push(Change.FOLLOW_UP_TYPES);
    else {
      if (before.some((f, i) => f.subject !== after[i]!.subject)) changes.push(Change.FOLLOW_UP_SUBJECTS);
      if (before.some((f, i) => f.payloadHash !== after[i]!.payloadHash)) changes.push(Change.FOLLOW_UP_PAYLOADS);
    }
  }
  return changes;
}

function sorted(list: readonly ComparedFollowUp[]): ComparedFollowUp[] {
  const key = (f: ComparedFollowUp) => `${f.type}\n${f.subject ?? ''}\n${f.payloadHash}`;
  return [...list].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
