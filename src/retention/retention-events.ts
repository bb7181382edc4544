import type { SegmentManifest } from '../cold/cold-store.ts';
import type { PendingEvent } from '../events/event.ts';
import { encodePosition } from '../events/position.ts';
import { systemEvent } from '../events/system-event.ts';

export const RETENTION_ARCHIVED = 'system.retention.archived';
export const RETENTION_PURGED = 'system.retention.purged';

/**
 * The record of one segment moved to cold (`archived`) or deleted from it
 * (`purged`), in the tenant's own stream. Fixed fields only, so its size is
 * bounded; keyed by the segment, so a run that repeats a crashed one's work
 * records it once (within the idempotency window).
 */
export function retentionEvent(kind: 'archived' | 'purged', segment: SegmentManifest, now: Date): PendingEvent {
  const payload = {
    day: segment.day,
    firstPosition: encodePosition(segment.firstPosition),
    lastPosition: encodePosition(segment.lastPosition),
    count: segment.count,
    ...(kind === 'archived' && { sha256: segment.sha256, bytes: segment.bytes }),
  };
  const type = kind === 'archived' ? RETENTION_ARCHIVED : RETENTION_PURGED;
  return systemEvent(
    'retention',
    type,
    segment.tenantId,
    payload,
    { idempotencyKey: `retention:${kind}:${segment.day}:${segment.firstPosition}` },
    now,
  );
}
