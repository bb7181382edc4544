import type { Collection, Document } from 'mongodb';
import type { HandlerOutcome, HandlerStore } from '../../handlers/handler-store.ts';
import { ensureIndexes } from './collections.ts';
import { DUPLICATE_KEY, isDuplicateKey, writeErrorsOf } from './errors.ts';

/** The processing trail's collection, beside the handler runtime's others. */
export const OUTCOMES_COLLECTION = 'handler_outcomes';

/**
 * One (tenant, event, handler)'s outcome. `_id` derives from the three (as a
 * dead letter's does), so the first insert decides and later attempts update
 * it by `_id`. Only ids and times: the event itself stays in the archive.
 */
interface OutcomeDocument extends HandlerOutcome {
  _id: string;
}

type OutcomeCalls = Pick<HandlerStore, 'recordOutcome' | 'recordOutcomes' | 'outcomes'>;

/**
 * The trail's half of the MongoDB HandlerStore. Index `tenant_event` serves
 * `outcomes` (tenant, then the page's event ids). A first attempt is one
 * insert, the common case and the cheapest write on FerretDB (which takes
 * milliseconds per updated document); a later attempt updates by `_id`,
 * leaving `firstAttemptAt` as it was, and inserts when there is nothing to
 * update (an event handled before the trail existed). The collection is
 * created with the handler store's others (HANDLER_COLLECTIONS).
 */
export async function createMongoOutcomes(
  collection: <T extends Document>(name: string) => Collection<T>,
  idOf: (tenantId: string, handler: string, eventId: string) => string,
  maxTimeMS: number,
): Promise<OutcomeCalls> {
  const outcomes = collection<OutcomeDocument>(OUTCOMES_COLLECTION);
  await ensureIndexes(outcomes, [{ key: { tenantId: 1, eventId: 1 }, name: 'tenant_event' }]);

  async function insert(doc: OutcomeDocument): Promise<boolean> {
    try {
      await outcomes.insertOne(doc);
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  async function update(doc: OutcomeDocument): Promise<boolean> {
    const { _id, status, attempts, lastAttemptAt, durationMs, followUps, error } = doc;
    const set = { status, attempts, lastAttemptAt, durationMs, followUps };
    const change = error ? { $set: { ...set, error } } : { $set: set, $unset: { error: '' as const } };
    return (await outcomes.updateOne({ _id }, change)).matchedCount > 0;
  }

  /** Updated in place, or inserted when missing; a racing insert (a stale lease holder) sends us back to updating. */
  async function upsert(doc: OutcomeDocument): Promise<void> {
    for (let round = 0; round < 3; round++) {
      if ((await update(doc)) || (await insert(doc))) return;
    }
    throw new Error(`handler outcome ${doc._id} kept vanishing while it was being recorded`);
  }

  const docOf = (outcome: HandlerOutcome) =>
    toDocument(outcome, idOf(outcome.tenantId, outcome.handler, outcome.eventId));

  return {
    async recordOutcome(outcome) {
      const doc = docOf(outcome);
      if (doc.attempts === 1 && (await insert(doc))) return;
      await upsert(doc);
    },
    async recordOutcomes(many) {
      if (many.length === 0) return;
      const docs = many.map(docOf);
      // One unordered insert for all; those already there (a re-run after a crash) are updated one by one.
      const present = new Set<number>();
      try {
        await outcomes.insertMany(docs, { ordered: false });
      } catch (error) {
        const errors = writeErrorsOf(error);
        if (!errors || errors.some((e) => e.code !== DUPLICATE_KEY)) throw error;
        for (const e of errors) present.add(e.index);
      }
      for (const i of present) await upsert(docs[i]!);
    },
    async outcomes(tenantId, eventIds) {
      const unique = [...new Set(eventIds)];
      if (unique.length === 0) return [];
      const docs = await outcomes.find({ tenantId, eventId: { $in: unique } }, { maxTimeMS }).toArray();
      return docs.map(toOutcome);
    },
  };
}

function toDocument(outcome: HandlerOutcome, _id: string): OutcomeDocument {
  const { tenantId, eventId, handler, status, attempts, firstAttemptAt, lastAttemptAt, durationMs, followUps, error } =
    outcome;
  return {
    _id,
    tenantId,
    eventId,
    handler,
    status,
    attempts,
    firstAttemptAt,
    lastAttemptAt,
    durationMs,
    followUps: [...followUps],
    ...(error && { error: { message: error.message, code: error.code } }),
  };
}

function toOutcome(doc: OutcomeDocument): HandlerOutcome {
  const { _id, error, ...rest } = doc;
  return { ...rest, ...(error !== undefined && error !== null && { error }) };
}
