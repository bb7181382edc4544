import type { Collection, Document } from 'mongodb';
import { BENCH_TENANT } from '../cluster-support/workload.ts';
import { check, type Expected } from './check.ts';
import type { ReadResult } from './hub-side.ts';

/**
 * The floor: the driver's `find` over the same archive collection, same
 * tenant, tombstones skipped as every hub read skips them, in position order,
 * one cursor with batches of `page` documents. No maxTimeMS (the hub puts
 * MONGODB_TIMEOUT_MS on each of its queries).
 */
export async function readRaw(archive: Collection<Document>, expected: Expected, page: number): Promise<ReadResult> {
  const positions: number[] = [];
  const pageMs: number[] = [];
  const started = performance.now();
  let lastPageAt = started;
  const cursor = archive.find(
    { tenantId: BENCH_TENANT, gap: { $ne: true } },
    { sort: { position: 1 }, batchSize: page },
  );
  for await (const doc of cursor) {
    positions.push(doc['position'] as number);
    if (positions.length % page === 0) {
      const now = performance.now();
      pageMs.push(now - lastPageAt);
      lastPageAt = now;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  return { events: positions.length, seconds, partial: false, check: check(positions, expected), pageMs };
}
