import type { HubEvent } from '../events/event.ts';
import type { ColdStore } from './cold-store.ts';
import { verifySegment } from './segment.ts';

export interface ColdRange {
  /** A position: events after it. Default 0. */
  after?: number;
  /** The last position wanted (inclusive). Default: every one. */
  to?: number;
}

/**
 * A tenant's events from its cold segments with a position in (after, to],
 * in position order; each segment is checked against its manifest before
 * any of its events comes out (a damaged one throws). For exports across
 * tiers: read cold through the store's `purgedThrough` and the archive after
 * it, so an event whose segment was written but not yet deleted from the
 * archive comes out once. Holds one segment in memory at a time.
 */
export async function* readColdRange(
  cold: ColdStore,
  tenantId: string,
  { after = 0, to = Number.MAX_SAFE_INTEGER }: ColdRange = {},
): AsyncGenerator<HubEvent> {
  const segments = (await cold.list(tenantId)).filter(
    (segment) => segment.lastPosition > after && segment.firstPosition <= to,
  );
  for (const segment of segments) {
    for (const event of await verifySegment(segment, await cold.read(segment))) {
      if (event.position > after && event.position <= to) yield event;
    }
  }
}
