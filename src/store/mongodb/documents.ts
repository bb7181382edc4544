import { dayBucket, hourBucket } from '../../events/buckets.ts';
import type { HubEvent, PendingEvent } from '../../events/event.ts';

/**
 * An event as the archive and the live collection hold it: the HubEvent
 * fields under their own names (compiled filters address them directly),
 * plus `_id` (the event id, so lookups by id use the `_id` index, which is
 * also the only index FerretDB's SQLite backend uses) and the `bucket`
 * fields `eventStats` groups by (the portable subset has no date operators).
 */
export interface StoredEvent {
  _id: string;
  id: string;
  tenantId: string;
  position: number;
  type: string;
  version: string;
  source: HubEvent['source'];
  timestamp: Date;
  /** Minutes east of UTC the timestamp was published in; absent for UTC and in documents older than it. */
  timestampOffset?: number;
  receivedAt: Date;
  subject?: string;
  payload: HubEvent['payload'];
  metadata: HubEvent['metadata'];
  bucket: { hour: string; day: string };
}

/** A stored event before it has a position; idempotency claims carry one. */
export type UnpositionedEvent = Omit<StoredEvent, 'position'>;

/**
 * Fills a position that no event will take (see positions.ts). It is never
 * returned by a query: every read adds `NOT_GAP`.
 */
export interface GapTombstone {
  _id: string;
  tenantId: string;
  position: number;
  gap: true;
}

export type ArchiveDocument = StoredEvent | GapTombstone;

/** Added to every archive read so tombstones never reach a caller. */
export const NOT_GAP = { gap: { $ne: true } } as const;

export function toUnpositioned(event: PendingEvent): UnpositionedEvent {
  return {
    _id: event.id,
    id: event.id,
    tenantId: event.tenantId,
    type: event.type,
    version: event.version,
    source: { type: event.source.type, id: event.source.id },
    timestamp: event.timestamp,
    ...(event.timestampOffset !== undefined && { timestampOffset: event.timestampOffset }),
    receivedAt: event.receivedAt,
    ...(event.subject !== undefined && { subject: event.subject }),
    payload: event.payload,
    metadata: event.metadata,
    bucket: { hour: hourBucket(event.timestamp), day: dayBucket(event.timestamp) },
  };
}

export const withPosition = (doc: UnpositionedEvent, position: number): StoredEvent => ({ ...doc, position });

/** Strips `_id` and the internal fields; the inverse of `toUnpositioned` + `withPosition`. */
export function toHubEvent(doc: StoredEvent): HubEvent {
  return {
    id: doc.id,
    type: doc.type,
    version: doc.version,
    tenantId: doc.tenantId,
    source: { type: doc.source.type, id: doc.source.id },
    timestamp: doc.timestamp,
    ...(typeof doc.timestampOffset === 'number' &&
      doc.timestampOffset !== 0 && { timestampOffset: doc.timestampOffset }),
    receivedAt: doc.receivedAt,
    ...(doc.subject !== undefined && doc.subject !== null && { subject: doc.subject }),
    payload: doc.payload,
    metadata: doc.metadata,
    position: doc.position,
  };
}

/** Tombstone ids cannot collide with event ids (UUIDs) nor with each other. */
export const gapTombstone = (tenantId: string, position: number): GapTombstone => ({
  _id: JSON.stringify(['gap', tenantId, position]),
  tenantId,
  position,
  gap: true,
});
