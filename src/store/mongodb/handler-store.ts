import { createHash } from 'node:crypto';
import type { Collection, Db, Document, Filter, MongoClient, WriteConcernSettings } from 'mongodb';
import { pino, type Logger } from 'pino';
import type { HubEvent } from '../../events/event.ts';
import { decodeDeadLetterCursor, encodeDeadLetterCursor } from '../../handlers/dead-letter-cursor.ts';
import type {
  DeadLetter,
  DeadLetterPage,
  DeliveryErrorInfo,
  HandlerStore,
  LineState,
} from '../../handlers/handler-store.ts';
import { ensureCollection, ensureIndexes } from './collections.ts';
import { guard, isDuplicateKey } from './errors.ts';
import { createMongoOutcomes, OUTCOMES_COLLECTION } from './handler-outcomes.ts';
import { prefixQuery } from './prefix-query.ts';

/** The handler runtime's collections, next to the event store's in the same database. */
export const HANDLER_COLLECTIONS = {
  lines: 'handler_lines',
  deadLetters: 'handler_dead_letters',
  projections: 'handler_projections',
  outcomes: OUTCOMES_COLLECTION,
} as const;

/** A line's state, `_id` = `lineId(tenantId, handler)`. Written only by the holder of the line's lease. */
interface LineDocument {
  _id: string;
  tenantId: string;
  handler: string;
  position: number;
  attempts: number;
  retryAt?: number;
  lastError?: DeliveryErrorInfo;
  processed: number;
  failed: number;
}

/**
 * A dead letter, `_id` = `deadLetterId(tenantId, handler, event.id)`: the
 * `_id` index makes it one letter per (tenant, handler, event) on both
 * servers, and the lookup after a duplicate is an `_id` equality, the one
 * filter FerretDB's SQLite backend does not scan for.
 */
interface DeadLetterDocument {
  _id: string;
  tenantId: string;
  handler: string;
  /** The HubEvent under its own field names (Dates as dates), so `event.`-prefixed filters address it. */
  event: HubEvent;
  error: DeadLetter['error'];
  deadAt: Date;
  status: DeadLetter['status'];
}

/** A projection entry, `_id` = `[tenant, projection, key]` as JSON; the value sits under `value`. */
interface ProjectionDocument {
  _id: string;
  tenantId: string;
  projection: string;
  key: string;
  value: Record<string, unknown>;
}

export interface MongoHandlerStoreOptions {
  /** The caller owns the client: `close()` never closes it. */
  client: MongoClient;
  dbName: string;
  /** Every write. Default `{ w: 'majority', j: true }`. */
  writeConcern?: WriteConcernSettings;
  /** Server-side time limit of every read; exceeding it is UNAVAILABLE. Default 10 s. */
  maxTimeMS?: number;
  log?: Logger;
}

export const lineId = (tenantId: string, handler: string) => JSON.stringify([tenantId, handler]);
const projectionId = (tenantId: string, projection: string, key: string) => JSON.stringify([tenantId, projection, key]);

/**
 * The id of the one dead letter of (tenant, handler, event): a UUIDv8
 * (RFC 9562, custom) from a SHA-256 of the three, so every process derives
 * the same `_id` and the insert itself decides who created the letter.
 */
export function deadLetterId(tenantId: string, handler: string, eventId: string): string {
  const bytes = createHash('sha256')
    .update(JSON.stringify([tenantId, handler, eventId]))
    .digest()
    .subarray(0, 16);
  bytes[6] = 0x80 | (bytes[6]! & 0x0f);
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The HandlerStore on MongoDB 6/7 and FerretDB v1 (docs/ARCHITECTURE.md §10). Races between
 * processes are decided by inserts on `_id` only (FerretDB applies
 * concurrent updates to one document non-atomically). Indexes, each named
 * for the query it serves on MongoDB (FerretDB's SQLite backend scans):
 *
 * - lines: `tenant_handler` serves `lines(tenantId)`; `line` is an `_id` lookup.
 * - dead letters: `tenant_deadAt_id` serves `deadLetters` (tenant, then the
 *   newest-first order and its cursor bound; the event filter is applied to
 *   what the range yields); `tenant_handler_status_deadAt` serves `redriven`;
 *   `redrive`, `resolve` and the duplicate path of `addDeadLetter` go by `_id`.
 * - projections: `_id` lookups only.
 * - outcomes (the processing trail): see handler-outcomes.ts.
 */
export async function createMongoHandlerStore(options: MongoHandlerStoreOptions): Promise<HandlerStore> {
  const log = (options.log ?? pino({ enabled: false })).child({ component: 'mongo-handler-store' });
  const maxTimeMS = options.maxTimeMS ?? 10_000;
  const writeConcern = options.writeConcern ?? { w: 'majority', j: true };
  const db: Db = options.client.db(options.dbName);
  // ignoreUndefined: an optional field left undefined is absent when read back, never null.
  const collection = <T extends Document>(name: string) =>
    db.collection<T>(name, { writeConcern, ignoreUndefined: true });

  const { lines, letters, projections, trail } = await guard(async () => {
    for (const name of Object.values(HANDLER_COLLECTIONS)) await ensureCollection(db, name);
    const lines = collection<LineDocument>(HANDLER_COLLECTIONS.lines);
    await ensureIndexes(lines, [{ key: { tenantId: 1, handler: 1 }, name: 'tenant_handler' }]);
    const letters = collection<DeadLetterDocument>(HANDLER_COLLECTIONS.deadLetters);
    await ensureIndexes(letters, [
      { key: { tenantId: 1, deadAt: -1, _id: -1 }, name: 'tenant_deadAt_id' },
      { key: { tenantId: 1, handler: 1, status: 1, deadAt: 1 }, name: 'tenant_handler_status_deadAt' },
    ]);
    const projections = collection<ProjectionDocument>(HANDLER_COLLECTIONS.projections);
    const trail = await createMongoOutcomes(collection, deadLetterId, maxTimeMS);
    return { lines, letters, projections, trail };
  });

  /**
   * Replaces a document by `_id`, creating it when missing. An upsert racing
   * another one for the same new `_id` may get E11000 (FerretDB; MongoDB
   * retries those itself); the document exists then, so replacing again wins.
   */
  async function put<T extends { _id: string }>(target: Collection<T>, doc: T): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await target.replaceOne({ _id: doc._id } as Filter<T>, doc, { upsert: true });
        return;
      } catch (error) {
        if (!isDuplicateKey(error) || attempt >= 3) throw error;
      }
    }
  }

  return {
    line: (handler, tenantId) =>
      guard(async () => {
        const doc = await lines.findOne({ _id: lineId(tenantId, handler) }, { maxTimeMS });
        return doc ? toLineState(doc) : null;
      }),
    saveLine: (state) => guard(() => put(lines, toLineDocument(state))),
    lines: (tenantId) =>
      guard(async () => {
        const docs = await lines.find({ tenantId }, { sort: { handler: 1 }, maxTimeMS }).toArray();
        return docs.map(toLineState);
      }),

    addDeadLetter: (letter) =>
      guard(async () => {
        const doc = toLetterDocument(letter);
        for (let attempt = 1; ; attempt++) {
          try {
            await letters.insertOne(doc);
            return toDeadLetter(doc);
          } catch (error) {
            if (!isDuplicateKey(error)) throw error;
          }
          // The letter exists: a crash before the line moved on, a redrive that failed again, or
          // another process adding it right now. Update it in place; its id is its `_id`.
          const { event, error, deadAt, status } = doc;
          const updated = await letters.findOneAndUpdate(
            { _id: doc._id },
            { $set: { event, error, deadAt, status } },
            { returnDocument: 'after', maxTimeMS },
          );
          if (updated) {
            log.debug({ id: doc._id, tenantId: doc.tenantId, handler: doc.handler }, 'dead letter updated');
            return toDeadLetter(updated);
          }
          // Resolved between the insert and the update: insert it again.
          if (attempt >= 3) throw new Error(`dead letter ${doc._id} kept vanishing while it was being recorded`);
        }
      }),

    deadLetters: (tenantId, { filter, first, after }) =>
      guard(async (): Promise<DeadLetterPage> => {
        const from = after === undefined ? undefined : decodeDeadLetterCursor(after);
        const clauses: Filter<DeadLetterDocument>[] = [{ tenantId }];
        if (from) {
          // Strictly after the cursor in the newest-first order, without $expr.
          const deadAt = new Date(from.deadAt);
          clauses.push({ $or: [{ deadAt: { $lt: deadAt } }, { deadAt: { $eq: deadAt }, _id: { $lt: from.id } }] });
        }
        const onEvent = prefixQuery(filter.query, 'event');
        if (Object.keys(onEvent).length > 0) clauses.push(onEvent as Filter<DeadLetterDocument>);
        const size = Math.max(0, first);
        const docs = await letters
          .find({ $and: clauses }, { sort: { deadAt: -1, _id: -1 }, limit: size + 1, maxTimeMS })
          .toArray();
        const taken = docs.slice(0, size);
        const last = taken.at(-1);
        return {
          deadLetters: taken.map(toDeadLetter),
          hasNextPage: docs.length > size,
          endCursor: last ? encodeDeadLetterCursor({ deadAt: last.deadAt.getTime(), id: last._id }) : null,
        };
      }),
    redrive: (tenantId, ids) =>
      guard(async () => {
        const unique = [...new Set(ids)];
        if (unique.length === 0) return 0;
        const result = await letters.updateMany(
          { _id: { $in: unique }, tenantId, status: 'DEAD' },
          { $set: { status: 'REDRIVEN' } },
        );
        return result.modifiedCount;
      }),
    redriven: (handler, tenantId, limit) =>
      guard(async () => {
        // A limit of 0 means "no limit" to the server.
        if (limit <= 0) return [];
        const docs = await letters
          .find({ tenantId, handler, status: 'REDRIVEN' }, { sort: { deadAt: 1, _id: 1 }, limit, maxTimeMS })
          .toArray();
        return docs.map(toDeadLetter);
      }),
    resolve: (tenantId, id) =>
      guard(async () => {
        await letters.deleteOne({ _id: id, tenantId });
      }),

    recordOutcome: (outcome) => guard(() => trail.recordOutcome(outcome)),
    recordOutcomes: (outcomes) => guard(() => trail.recordOutcomes(outcomes)),
    outcomes: (tenantId, eventIds) => guard(() => trail.outcomes(tenantId, eventIds)),

    getProjection: (tenantId, projection, key) =>
      guard(async () => {
        const doc = await projections.findOne({ _id: projectionId(tenantId, projection, key) }, { maxTimeMS });
        return doc ? doc.value : null;
      }),
    putProjection: (tenantId, projection, key, value) =>
      guard(() => put(projections, { _id: projectionId(tenantId, projection, key), tenantId, projection, key, value })),

    async close() {},
  };
}

function toLineDocument(state: LineState): LineDocument {
  return {
    _id: lineId(state.tenantId, state.handler),
    tenantId: state.tenantId,
    handler: state.handler,
    position: state.position,
    attempts: state.attempts,
    ...(state.retryAt !== undefined && { retryAt: state.retryAt }),
    ...(state.lastError !== undefined && {
      lastError: { message: state.lastError.message, code: state.lastError.code },
    }),
    processed: state.processed,
    failed: state.failed,
  };
}

function toLineState(doc: LineDocument): LineState {
  return {
    handler: doc.handler,
    tenantId: doc.tenantId,
    position: doc.position,
    attempts: doc.attempts,
    ...(doc.retryAt !== undefined && doc.retryAt !== null && { retryAt: doc.retryAt }),
    ...(doc.lastError !== undefined && doc.lastError !== null && { lastError: doc.lastError }),
    processed: doc.processed,
    failed: doc.failed,
  };
}

function toLetterDocument(letter: Omit<DeadLetter, 'id' | 'status'>): DeadLetterDocument {
  // A copy: the caller keeps its objects, and the returned letter shares nothing with them.
  const { tenantId, handler, event, error, deadAt } = structuredClone(letter);
  return { _id: deadLetterId(tenantId, handler, event.id), tenantId, handler, event, error, deadAt, status: 'DEAD' };
}

function toDeadLetter(doc: DeadLetterDocument): DeadLetter {
  return {
    id: doc._id,
    tenantId: doc.tenantId,
    handler: doc.handler,
    event: toEvent(doc.event),
    error: doc.error,
    deadAt: doc.deadAt,
    status: doc.status,
  };
}

/** The event as it was given: an absent subject stays absent. */
function toEvent(stored: HubEvent): HubEvent {
  const { subject, ...rest } = stored;
  return subject === undefined || subject === null ? rest : { ...rest, subject };
}
