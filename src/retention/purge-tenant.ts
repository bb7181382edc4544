import { utcDay, type SegmentManifest } from '../cold/cold-store.ts';
import type { RetentionWork } from './archive-tenant.ts';
import { retentionEvent } from './retention-events.ts';
import type { RetentionPolicy } from './retention-policy.ts';

/**
 * Deletes a tenant's cold segments whose newest event is older than its cold
 * retention, oldest first; a tenant on hold keeps them all. Only the days up
 * to the cutoff are listed, so a run reads no manifest it will keep.
 */
export async function purgeTenant(
  work: RetentionWork,
  tenantId: string,
  policy: RetentionPolicy,
): Promise<SegmentManifest[]> {
  if (policy.hold) return [];
  const cutoff = work.now() - policy.coldMs;
  const old = (await work.cold.list(tenantId, { toDay: utcDay(new Date(cutoff)) }))
    .filter((segment) => Date.parse(segment.lastReceivedAt) < cutoff)
    .slice(0, work.maxSegments);
  for (const segment of old) {
    await work.keep();
    await work.cold.delete(segment);
    await work.record(retentionEvent('purged', segment, new Date(work.now())));
    work.log.info(
      { tenantId, day: segment.day, first: segment.firstPosition, count: segment.count },
      'cold segment purged',
    );
  }
  return old;
}
