import { isFinal, ReplayStatus, type ReplayJob } from './replay-job.ts';
import { createMemoryShadowRecords } from './memory-shadow-records.ts';
import type { ReplayFate, ReplayStore, RunKey, RunState } from './replay-store.ts';

/** The embedded replay store: this process's memory, lost on exit. Decisions are synchronous, so first caller wins. */
export function createMemoryReplayStore({ now = Date.now }: { now?: () => number } = {}): ReplayStore {
  const jobs = new Map<string, ReplayJob>();
  const fates = new Map<string, { fate: ReplayFate; at: Date }>();
  const cancels = new Set<string>();
  const runs = new Map<string, RunState>();
  const { dropJobs, ...shadow } = createMemoryShadowRecords();
  const runKey = ({ jobId, eventId, handler }: RunKey) => JSON.stringify([jobId, eventId, handler]);
  const copy = <T>(value: T): T => structuredClone(value);

  /** The job as readers see it: a job cancelled before it began is CANCELLED at once. */
  function view(job: ReplayJob): ReplayJob {
    if (isFinal(job.status)) return { ...copy(job), cancelRequested: job.status === ReplayStatus.CANCELLED };
    const fate = fates.get(job.id);
    if (fate?.fate === 'CANCELLED')
      return { ...copy(job), status: ReplayStatus.CANCELLED, finishedAt: fate.at, cancelRequested: true };
    return { ...copy(job), cancelRequested: cancels.has(job.id) };
  }

  return {
    ...shadow,
    async create(job) {
      if (jobs.has(job.id)) throw new Error(`replay job ${job.id} exists`);
      jobs.set(job.id, { ...copy(job), cancelRequested: false });
    },
    async get(tenantId, id) {
      const job = jobs.get(id);
      return job && job.tenantId === tenantId ? view(job) : null;
    },
    async load(jobId) {
      const job = jobs.get(jobId);
      return job ? copy(job) : null;
    },
    async list(tenantId, { first, after }) {
      const mine = [...jobs.values()]
        .filter((job) => job.tenantId === tenantId && (after === undefined || job.id < after))
        .sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
      return { jobs: mine.slice(0, first).map(view), hasNextPage: mine.length > first };
    },
    async runnable(perTenant) {
      const offered = new Map<string, number>();
      return [...jobs.values()]
        .filter((job) => job.status === ReplayStatus.PENDING || job.status === ReplayStatus.RUNNING)
        .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        .filter((job) => {
          const count = offered.get(job.tenantId) ?? 0;
          offered.set(job.tenantId, count + 1);
          return count < perTenant;
        })
        .map(copy);
    },
    async dropFinished(finishedBefore, limit) {
      const old = [...jobs.values()]
        .filter((job) => isFinal(job.status) && job.finishedAt !== undefined && job.finishedAt < finishedBefore)
        .slice(0, limit);
      dropJobs(old.map((job) => job.id));
      for (const job of old) {
        for (const key of runs.keys()) if ((JSON.parse(key) as string[])[0] === job.id) runs.delete(key);
        fates.delete(job.id);
        cancels.delete(job.id);
        jobs.delete(job.id);
      }
      return old.length;
    },
    async save(job) {
      jobs.set(job.id, { ...copy(job), cancelRequested: false });
    },
    async begin(jobId) {
      if (!fates.has(jobId)) fates.set(jobId, { fate: 'RUN', at: new Date(now()) });
      return fates.get(jobId)!.fate;
    },
    async requestCancel(tenantId, id) {
      const job = jobs.get(id);
      if (!job || job.tenantId !== tenantId) return false;
      cancels.add(id);
      if (!fates.has(id)) fates.set(id, { fate: 'CANCELLED', at: new Date(now()) });
      return true;
    },
    async cancelRequested(jobId) {
      return cancels.has(jobId);
    },
    async claimRuns(keys) {
      return keys.map((key) => {
        const existing = runs.get(runKey(key));
        if (existing) return existing;
        runs.set(runKey(key), 'STARTED');
        return 'CLAIMED';
      });
    },
    async settleRuns(outcomes) {
      for (const { key, state } of outcomes) runs.set(runKey(key), state);
    },
    async releaseRuns(keys) {
      for (const key of keys) if (runs.get(runKey(key)) === 'STARTED') runs.delete(runKey(key));
    },
    async close() {},
  };
}
