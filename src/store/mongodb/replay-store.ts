import type { Collection, Db, Document, MongoClient, OptionalUnlessRequiredId, WriteConcernSettings } from 'mongodb';
import { isFinal, ReplayStatus, type ReplayJob } from '../../replay/replay-job.ts';
import type { ReplayFate, ReplayStore, RunKey, RunState } from '../../replay/replay-store.ts';
import { ensureCollection, ensureIndexes } from './collections.ts';
import { DUPLICATE_KEY, guard, isDuplicateKey, writeErrorsOf } from './errors.ts';
import { createShadowRecordsOnMongo } from './replay-shadow-records.ts';

/** The replay collections, next to the event store's in the same database. */
export const REPLAY_COLLECTIONS = {
  jobs: 'replay_jobs',
  marks: 'replay_marks',
  runs: 'replay_runs',
} as const;

/**
 * A job, `_id` = its id. The filter is kept as a JSON string: its values are
 * client data and may hold keys (`$…`, dotted) a stored document may not.
 */
interface JobDocument extends Omit<ReplayJob, 'id' | 'filter' | 'cancelRequested'> {
  _id: string;
  filter: string;
}

/** `fate:<jobId>` (RUN or CANCELLED, the first insert wins) or `cancel:<jobId>` (a cancel was asked). */
interface MarkDocument {
  _id: string;
  jobId: string;
  fate?: ReplayFate;
  at: Date;
}

/**
 * One handler run, in two insert-only documents: the claim (`_id` =
 * `[jobId, eventId, handler]` as JSON, state STARTED) and, once it ended, its
 * outcome (`_id` = `[jobId, eventId, handler, "end"]`, DONE or FAILED).
 * Inserts, because a chunk's worth of them is one cheap `insertMany` on every
 * server, where FerretDB v1 takes milliseconds per updated document and
 * stalls on a bulk of a hundred updates.
 */
interface RunDocument {
  _id: string;
  jobId: string;
  state: RunState;
  at: Date;
}

export interface MongoReplayStoreOptions {
  /** The caller owns the client: `close()` never closes it. */
  client: MongoClient;
  dbName: string;
  /** Every write. Default `{ w: 'majority', j: true }`. */
  writeConcern?: WriteConcernSettings;
  /** Server-side time limit of every read; exceeding it is UNAVAILABLE. Default 10 s. */
  maxTimeMS?: number;
  now?: () => number;
}

const fateId = (jobId: string) => `fate:${jobId}`;
const cancelId = (jobId: string) => `cancel:${jobId}`;
const runId = ({ jobId, eventId, handler }: RunKey) => JSON.stringify([jobId, eventId, handler]);
const outcomeId = ({ jobId, eventId, handler }: RunKey) => JSON.stringify([jobId, eventId, handler, 'end']);

/**
 * The ReplayStore on MongoDB 6/7 and FerretDB v1 (docs/ARCHITECTURE.md §10). Indexes, each
 * named for the query it serves on MongoDB (FerretDB's SQLite backend scans):
 *
 * - jobs: `tenant_id` `{ tenantId, _id: -1 }` serves `list` (tenant, newest
 *   first, the `_id` cursor bound); `status_id` `{ status, _id }` serves
 *   `runnable`'s distinct tenants and `tenant_status_id` `{ tenantId, status, _id }`
 *   each tenant's oldest jobs; `get` and `save` go by `_id` (with the tenant as a check).
 * - jobs: `status_finished` `{ status, finishedAt }` serves `dropFinished` (retention).
 * - marks and runs: their unique `_id` decides every race; `job` `{ jobId }` serves
 *   retention's deletes.
 * - SHADOW jobs' differences and scratch projections: see replay-shadow-records.ts.
 */
export async function createMongoReplayStore(options: MongoReplayStoreOptions): Promise<ReplayStore> {
  const now = options.now ?? Date.now;
  const maxTimeMS = options.maxTimeMS ?? 10_000;
  const writeConcern = options.writeConcern ?? { w: 'majority', j: true };
  const db: Db = options.client.db(options.dbName);
  // ignoreUndefined: an optional field left undefined is absent when read back, never null.
  const collection = <T extends Document>(name: string) =>
    db.collection<T>(name, { writeConcern, ignoreUndefined: true });

  const { jobs, marks, runs } = await guard(async () => {
    for (const name of Object.values(REPLAY_COLLECTIONS)) await ensureCollection(db, name);
    const jobs = collection<JobDocument>(REPLAY_COLLECTIONS.jobs);
    await ensureIndexes(jobs, [
      { key: { tenantId: 1, _id: -1 }, name: 'tenant_id' },
      { key: { status: 1, _id: 1 }, name: 'status_id' },
      { key: { tenantId: 1, status: 1, _id: 1 }, name: 'tenant_status_id' },
      { key: { status: 1, finishedAt: 1 }, name: 'status_finished' },
    ]);
    const marks = collection<MarkDocument>(REPLAY_COLLECTIONS.marks);
    const runs = collection<RunDocument>(REPLAY_COLLECTIONS.runs);
    await ensureIndexes(marks, [{ key: { jobId: 1 }, name: 'job' }]);
    await ensureIndexes(runs, [{ key: { jobId: 1 }, name: 'job' }]);
    return { jobs, marks, runs };
  });
  const { dropJobs, ...shadow } = await createShadowRecordsOnMongo(db, collection, maxTimeMS);

  /** Inserts a document whose `_id` decides a race; false when it was there already. */
  async function insertFirst<T extends Document>(
    target: Collection<T>,
    doc: OptionalUnlessRequiredId<T>,
  ): Promise<boolean> {
    try {
      await target.insertOne(doc);
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  /** Inserts every document that is not there yet (unordered); the indexes of those that were. */
  async function insertAll(docs: RunDocument[]): Promise<Set<number>> {
    const present = new Set<number>();
    if (!docs.length) return present;
    try {
      await runs.insertMany(docs, { ordered: false });
    } catch (error) {
      const errors = writeErrorsOf(error);
      if (!errors || errors.some((e) => e.code !== DUPLICATE_KEY)) throw error;
      for (const e of errors) present.add(e.index);
    }
    return present;
  }

  async function fateOf(jobId: string): Promise<MarkDocument | null> {
    return marks.findOne({ _id: fateId(jobId) }, { maxTimeMS });
  }

  /** The job as readers see it (see `ReplayStore.get`). */
  async function view(doc: JobDocument): Promise<ReplayJob> {
    const job = toJob(doc);
    if (isFinal(job.status)) return { ...job, cancelRequested: job.status === ReplayStatus.CANCELLED };
    const fate = await fateOf(job.id);
    if (fate?.fate === 'CANCELLED')
      return { ...job, status: ReplayStatus.CANCELLED, finishedAt: fate.at, cancelRequested: true };
    const cancel = await marks.findOne({ _id: cancelId(job.id) }, { maxTimeMS });
    return { ...job, cancelRequested: cancel !== null };
  }

  return {
    ...shadow,
    create: (job) =>
      guard(async () => {
        await jobs.insertOne(toDocument(job));
      }),
    get: (tenantId, id) =>
      guard(async () => {
        const doc = await jobs.findOne({ _id: id, tenantId }, { maxTimeMS });
        return doc ? view(doc) : null;
      }),
    load: (jobId) =>
      guard(async () => {
        const doc = await jobs.findOne({ _id: jobId }, { maxTimeMS });
        return doc ? toJob(doc) : null;
      }),
    list: (tenantId, { first, after }) =>
      guard(async () => {
        const size = Math.max(0, first);
        const query = after === undefined ? { tenantId } : { tenantId, _id: { $lt: after } };
        const docs = await jobs.find(query, { sort: { _id: -1 }, limit: size + 1, maxTimeMS }).toArray();
        const page = [];
        for (const doc of docs.slice(0, size)) page.push(await view(doc));
        return { jobs: page, hasNextPage: docs.length > size };
      }),
    runnable: (perTenant) =>
      guard(async () => {
        if (perTenant <= 0) return [];
        const status = { $in: [ReplayStatus.PENDING, ReplayStatus.RUNNING] };
        // `$group` rather than `distinct`, which FerretDB v1 refuses with maxTimeMS
        const groups = await jobs
          .aggregate<{ _id: string }>([{ $match: { status } }, { $group: { _id: '$tenantId' } }], { maxTimeMS })
          .toArray();
        const tenants = groups.map((group) => group._id);
        const perTenantDocs = await Promise.all(
          tenants.map((tenantId) =>
            jobs.find({ tenantId, status }, { sort: { _id: 1 }, limit: perTenant, maxTimeMS }).toArray(),
          ),
        );
        return perTenantDocs.flat().map(toJob);
      }),
    dropFinished: (finishedBefore, limit) =>
      guard(async () => {
        const status = { $in: [ReplayStatus.COMPLETED, ReplayStatus.FAILED, ReplayStatus.CANCELLED] };
        const old = await jobs
          .find({ status, finishedAt: { $lt: finishedBefore } }, { projection: { _id: 1 }, limit, maxTimeMS })
          .toArray();
        if (!old.length) return 0;
        const ids = old.map((doc) => doc._id);
        await dropJobs(ids);
        await runs.deleteMany({ jobId: { $in: ids } });
        await marks.deleteMany({ jobId: { $in: ids } });
        await jobs.deleteMany({ _id: { $in: ids } });
        return ids.length;
      }),
    save: (job) =>
      guard(async () => {
        await jobs.replaceOne({ _id: job.id }, toDocument(job));
      }),
    begin: (jobId) =>
      guard(async () => {
        const mark: MarkDocument = { _id: fateId(jobId), jobId, fate: 'RUN', at: new Date(now()) };
        if (await insertFirst(marks, mark)) return 'RUN';
        const fate = await fateOf(jobId);
        if (!fate?.fate) throw new Error(`the fate of replay job ${jobId} vanished`);
        return fate.fate;
      }),
    requestCancel: (tenantId, id) =>
      guard(async () => {
        const job = await jobs.findOne({ _id: id, tenantId }, { projection: { _id: 1 }, maxTimeMS });
        if (!job) return false;
        const at = new Date(now());
        const cancel: MarkDocument = { _id: cancelId(id), jobId: id, at };
        const fate: MarkDocument = { _id: fateId(id), jobId: id, fate: 'CANCELLED', at };
        await insertFirst(marks, cancel);
        await insertFirst(marks, fate);
        return true;
      }),
    cancelRequested: (jobId) =>
      guard(async () => (await marks.findOne({ _id: cancelId(jobId) }, { maxTimeMS })) !== null),
    claimRuns: (keys) =>
      guard(async () => {
        if (!keys.length) return [];
        const at = new Date(now());
        const taken = await insertAll(keys.map((key) => ({ _id: runId(key), jobId: key.jobId, state: 'STARTED', at })));
        // Claimed before (a takeover, or a rival): ended, or STARTED for good. One `_id` read each.
        return Promise.all(
          keys.map(async (key, i): Promise<'CLAIMED' | RunState> => {
            if (!taken.has(i)) return 'CLAIMED';
            return (await runs.findOne({ _id: outcomeId(key) }, { maxTimeMS }))?.state ?? 'STARTED';
          }),
        );
      }),
    settleRuns: (outcomes) =>
      guard(async () => {
        const at = new Date(now());
        await insertAll(outcomes.map(({ key, state }) => ({ _id: outcomeId(key), jobId: key.jobId, state, at })));
      }),
    releaseRuns: (keys) =>
      guard(async () => {
        // Only the claimer settles or releases: a claim with no outcome yet is one whose run never started.
        const ended = await Promise.all(
          keys.map(
            async (key) =>
              (await runs.findOne({ _id: outcomeId(key) }, { projection: { _id: 1 }, maxTimeMS })) !== null,
          ),
        );
        const unstarted = keys.filter((_, i) => !ended[i]);
        if (!unstarted.length) return;
        await runs.bulkWrite(
          unstarted.map((key) => ({ deleteOne: { filter: { _id: runId(key) } } })),
          { ordered: false },
        );
      }),
    async close() {},
  };
}

function toDocument(job: ReplayJob): JobDocument {
  const { id, filter, cancelRequested: _derived, ...rest } = structuredClone(job);
  return { _id: id, ...rest, filter: JSON.stringify(filter) };
}

function toJob(doc: JobDocument): ReplayJob {
  const { _id, filter, startedAt, finishedAt, error, until, differences, ...rest } = doc;
  return {
    ...rest,
    id: _id,
    filter: JSON.parse(filter) as ReplayJob['filter'],
    // A field written as undefined is absent; FerretDB or an older writer may still hand back null.
    ...(startedAt != null && { startedAt }),
    ...(finishedAt != null && { finishedAt }),
    ...(error != null && { error }),
    ...(until != null && { until }),
    ...(differences != null && { differences }),
    cancelRequested: false,
  };
}
