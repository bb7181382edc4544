import type { DifferenceCursor, ShadowRecords } from './replay-store.ts';
import type { ReplayDifference } from './shadow-outcome.ts';

export interface MemoryShadowRecords extends ShadowRecords {
  /** Drops everything of these jobs (retention). */
  dropJobs(jobIds: readonly string[]): void;
}

const byEventOrder = (a: DifferenceCursor, b: DifferenceCursor) =>
  a.position - b.position || (a.handler < b.handler ? -1 : a.handler > b.handler ? 1 : 0);

/** The embedded store's differences and scratch projections, per job, in this process's memory. */
export function createMemoryShadowRecords(): MemoryShadowRecords {
  const differences = new Map<string, Map<string, ReplayDifference>>();
  const scratch = new Map<string, Map<string, Record<string, unknown>>>();
  const of = <T>(map: Map<string, Map<string, T>>, jobId: string) => {
    let entries = map.get(jobId);
    if (!entries) {
      entries = new Map();
      map.set(jobId, entries);
    }
    return entries;
  };
  const scratchKey = (projection: string, key: string) => JSON.stringify([projection, key]);

  return {
    async putDifferences(list) {
      for (const difference of list)
        of(differences, difference.jobId).set(
          JSON.stringify([difference.eventId, difference.handler]),
          structuredClone(difference),
        );
    },
    async differences(tenantId, jobId, { first, after }) {
      const mine = [...(differences.get(jobId)?.values() ?? [])]
        .filter((d) => d.tenantId === tenantId && (!after || byEventOrder(d, after) > 0))
        .sort(byEventOrder);
      return { differences: mine.slice(0, first).map((d) => structuredClone(d)), hasNextPage: mine.length > first };
    },
    async dropDifferencesAfter(jobId, position) {
      const entries = differences.get(jobId);
      for (const [key, difference] of entries ?? []) if (difference.position > position) entries!.delete(key);
    },
    async getScratch(jobId, projection, key) {
      const value = scratch.get(jobId)?.get(scratchKey(projection, key));
      return value ? structuredClone(value) : null;
    },
    async putScratch(jobId, projection, key, value) {
      of(scratch, jobId).set(scratchKey(projection, key), structuredClone(value));
    },
    async dropScratch(jobId) {
      scratch.delete(jobId);
    },
    dropJobs(jobIds) {
      for (const jobId of jobIds) {
        differences.delete(jobId);
        scratch.delete(jobId);
      }
    },
  };
}
