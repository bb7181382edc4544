import type { Collection, Db, Document } from 'mongodb';
import type { EventProcessing } from '../../handlers/processing-trail.ts';
import type { ShadowRecords } from '../../replay/replay-store.ts';
import type { ReplayDifference, ShadowOutcome } from '../../replay/shadow-outcome.ts';
import { ensureCollection, ensureIndexes } from './collections.ts';
import { DUPLICATE_KEY, guard, writeErrorsOf } from './errors.ts';

export const SHADOW_COLLECTIONS = {
  differences: 'replay_differences',
  scratch: 'replay_scratch',
} as const;

/**
 * A difference, `_id` = `[jobId, eventId, handler]` as JSON. The shadow outcome is kept as a JSON
 * string: its follow-ups' payloads are handler data and may hold keys (`$…`, dotted) a stored
 * document may not; the live outcome holds only the hub's own fields.
 */
interface DifferenceDocument extends Omit<ReplayDifference, 'shadow'> {
  _id: string;
  shadow: string;
}

/** A scratch projection document, `_id` = `[jobId, projection, key]` as JSON; the value as a JSON string, as the filter is kept. */
interface ScratchDocument {
  _id: string;
  jobId: string;
  value: string;
}

export interface ShadowRecordsOnMongo extends ShadowRecords {
  /** Drops everything of these jobs (retention, before the jobs go). */
  dropJobs(jobIds: readonly string[]): Promise<void>;
}

const differenceId = (d: Pick<ReplayDifference, 'jobId' | 'eventId' | 'handler'>) =>
  JSON.stringify([d.jobId, d.eventId, d.handler]);
const scratchId = (jobId: string, projection: string, key: string) => JSON.stringify([jobId, projection, key]);

/**
 * SHADOW jobs' differences and scratch projections (ReplayStore's ShadowRecords). Indexes:
 * differences `job_position` `{ jobId, position, handler }` serves the listing (tenant checked on
 * each document), `dropDifferencesAfter` and retention; scratch `job` `{ jobId }` serves dropping a
 * job's namespace; reads and writes of one document go by `_id`.
 */
export async function createShadowRecordsOnMongo(
  db: Db,
  collection: <T extends Document>(name: string) => Collection<T>,
  maxTimeMS: number,
): Promise<ShadowRecordsOnMongo> {
  const { differences, scratch } = await guard(async () => {
    for (const name of Object.values(SHADOW_COLLECTIONS)) await ensureCollection(db, name);
    const differences = collection<DifferenceDocument>(SHADOW_COLLECTIONS.differences);
    const scratch = collection<ScratchDocument>(SHADOW_COLLECTIONS.scratch);
    await ensureIndexes(differences, [{ key: { jobId: 1, position: 1, handler: 1 }, name: 'job_position' }]);
    await ensureIndexes(scratch, [{ key: { jobId: 1 }, name: 'job' }]);
    return { differences, scratch };
  });

  return {
    putDifferences: (list) =>
      guard(async () => {
        if (!list.length) return;
        const docs = list.map(toDocument);
        // Inserts first (one cheap insertMany); only a chunk run again after a takeover meets its own and replaces them.
        const present = await insertAll(differences, docs);
        for (const i of present) await differences.replaceOne({ _id: docs[i]!._id }, docs[i]!);
      }),
    differences: (tenantId, jobId, { first, after }) =>
      guard(async () => {
        const size = Math.max(0, first);
        const past = after && {
          $or: [{ position: { $gt: after.position } }, { position: after.position, handler: { $gt: after.handler } }],
        };
        const docs = await differences
          .find({ jobId, tenantId, ...past }, { sort: { position: 1, handler: 1 }, limit: size + 1, maxTimeMS })
          .toArray();
        return { differences: docs.slice(0, size).map(toDifference), hasNextPage: docs.length > size };
      }),
    dropDifferencesAfter: (jobId, position) =>
      guard(async () => {
        await differences.deleteMany({ jobId, position: { $gt: position } });
      }),
    getScratch: (jobId, projection, key) =>
      guard(async () => {
        const doc = await scratch.findOne({ _id: scratchId(jobId, projection, key) }, { maxTimeMS });
        return doc ? (JSON.parse(doc.value) as Record<string, unknown>) : null;
      }),
    putScratch: (jobId, projection, key, value) =>
      guard(async () => {
        const _id = scratchId(jobId, projection, key);
        await scratch.replaceOne({ _id }, { jobId, value: JSON.stringify(value) }, { upsert: true });
      }),
    dropScratch: (jobId) =>
      guard(async () => {
        await scratch.deleteMany({ jobId });
      }),
    async dropJobs(jobIds) {
      await differences.deleteMany({ jobId: { $in: [...jobIds] } });
      await scratch.deleteMany({ jobId: { $in: [...jobIds] } });
    },
  };
}

/** Inserts every document not there yet (unordered); the indexes of those that were. */
async function insertAll(target: Collection<DifferenceDocument>, docs: DifferenceDocument[]): Promise<number[]> {
  try {
    await target.insertMany(docs, { ordered: false });
    return [];
  } catch (error) {
    const errors = writeErrorsOf(error);
    if (!errors || errors.some((e) => e.code !== DUPLICATE_KEY)) throw error;
    return errors.map((e) => e.index);
  }
}

function toDocument(difference: ReplayDifference): DifferenceDocument {
  const { shadow, ...rest } = structuredClone(difference);
  return { _id: differenceId(difference), ...rest, shadow: JSON.stringify(shadow) };
}

function toDifference(doc: DifferenceDocument): ReplayDifference {
  const { _id, shadow, live, ...rest } = doc;
  return { ...rest, live: live ? toLive(live) : null, shadow: JSON.parse(shadow) as ShadowOutcome };
}

/** FerretDB or an older writer may hand back null for a field written as absent. */
function toLive(live: EventProcessing): EventProcessing {
  return {
    ...live,
    error: live.error ?? null,
    firstAttemptAt: live.firstAttemptAt ?? null,
    lastAttemptAt: live.lastAttemptAt ?? null,
    durationMs: live.durationMs ?? null,
  };
}
