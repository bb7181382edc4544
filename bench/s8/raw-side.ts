import type { Collection } from 'mongodb';
import { BENCH_TENANT, EVENT_TYPE } from '../cluster-support/workload.ts';
import noop from './noop-handler.ts';

/**
 * The baseline: the driver's `find` over the events the replay reads (the
 * bench tenant's events of the handler's type, tombstones left out), in
 * position order, in batches of the replay's size, each handed to the same
 * no-op handler.
 */
export async function replayRaw(archive: Collection, batch: number): Promise<{ events: number; seconds: number }> {
  const started = performance.now();
  const cursor = archive.find(
    { tenantId: BENCH_TENANT, type: EVENT_TYPE, gap: { $ne: true } },
    { sort: { position: 1 }, batchSize: batch },
  );
  let events = 0;
  for await (const doc of cursor) {
    noop.handle(doc);
    events++;
  }
  return { events, seconds: (performance.now() - started) / 1000 };
}
