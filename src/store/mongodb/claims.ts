import type { ClaimDocument, StoreCollections } from './collections.ts';
import type { UnpositionedEvent } from './documents.ts';
import type { IdempotencyRecord } from '../event-store.ts';
import { DUPLICATE_KEY, isDuplicateKey, writeErrorsOf } from './errors.ts';

/** Unambiguous for any tenant and key, and looked up by `_id`, the one lookup FerretDB does fast. */
export const claimId = (tenantId: string, key: string, generation: number): string =>
  JSON.stringify([tenantId, key, generation]);

export interface ClaimRequest {
  tenantId: string;
  key: string;
  event: UnpositionedEvent;
}

export type ClaimResult =
  /** This call holds the claim `claimId`: store its event, answer ACCEPTED. */
  | { kind: 'own'; claimId: string }
  /** The key's event is in the archive: answer DUPLICATE. */
  | { kind: 'duplicate'; eventId: string; claimId: string }
  /**
   * The key is claimed by an event that is not in the archive (its ingest
   * crashed after the claim, or is still in flight): store the claimed event
   * (the unique `_id` makes a double insert harmless) and answer DUPLICATE.
   */
  | { kind: 'complete'; event: UnpositionedEvent; claimId: string }
  | { kind: 'failed'; cause: unknown };

export interface ClaimsOptions {
  collections: StoreCollections;
  idempotencyWindowMs: number;
  maxTimeMS: number;
  now: () => number;
}

/** Generations one request walks before giving up (a key reused once a day for two months). */
const MAX_GENERATIONS = 64;

/**
 * Idempotency claims (docs/ARCHITECTURE.md §4). Insert-only:
 * the unique `_id` is the one atomic decision both MongoDB and FerretDB v1
 * make (FerretDB v1 can lose concurrent updates, so no compare-and-set).
 *
 * A key's first claim is generation 0. A claim older than the window has
 * expired; the next claim of that key is the next generation, and whoever
 * inserts it first owns the key again. Claims are never deleted (a missing
 * generation would reopen the key), only stripped of their event copy once
 * expired; no TTL index is involved.
 */
export function createClaims(options: ClaimsOptions) {
  const { claims, archive } = options.collections;
  const { idempotencyWindowMs, maxTimeMS, now } = options;
  const live = (claim: ClaimDocument) => claim.at.getTime() > now() - idempotencyWindowMs;

  async function claim(requests: readonly ClaimRequest[]): Promise<ClaimResult[]> {
    if (!requests.length) return [];
    const at = new Date(now());
    const docs: ClaimDocument[] = requests.map(({ tenantId, key, event }) => ({
      _id: claimId(tenantId, key, 0),
      tenantId,
      key,
      generation: 0,
      eventId: event.id,
      at,
      event,
    }));
    const results: ClaimResult[] = docs.map((doc) => ({ kind: 'own', claimId: doc._id }));
    try {
      await claims.insertMany(docs, { ordered: false });
      return results;
    } catch (error) {
      const errors = writeErrorsOf(error);
      if (!errors) throw error;
      const conflicts: number[] = [];
      for (const writeError of errors) {
        if (writeError.code === DUPLICATE_KEY) conflicts.push(writeError.index);
        else results[writeError.index] = { kind: 'failed', cause: writeError };
      }
      const resolved = await Promise.all(conflicts.map((i) => resolveConflict(docs[i]!)));
      const held = await heldOutcomes(resolved.flatMap((r) => (typeof r === 'string' ? [] : [r])));
      conflicts.forEach((i, n) => {
        const r = resolved[n]!;
        results[i] = typeof r === 'string' ? { kind: 'own', claimId: r } : held.get(r._id)!;
      });
      return results;
    }
  }

  /**
   * Walks the key's generations: the first live one holds the key; after the last expired one,
   * the next is ours to take (answered with its `_id`).
   */
  async function resolveConflict(doc: ClaimDocument): Promise<string | ClaimDocument> {
    let generation = 0;
    let jumped = false;
    for (let step = 0; step < 2 * MAX_GENERATIONS; step++) {
      const _id = claimId(doc.tenantId, doc.key, generation);
      const existing = await claims.findOne({ _id }, { maxTimeMS });
      if (!existing) {
        try {
          await claims.insertOne({ ...doc, _id, generation });
          return _id;
        } catch (error) {
          if (!isDuplicateKey(error)) throw error;
          continue; // someone took this generation first: read theirs
        }
      }
      if (live(existing)) return existing;
      if (!jumped && generation >= 2) {
        jumped = true;
        generation = Math.max(generation + 1, await latestGeneration(doc));
      } else {
        generation += 1;
      }
    }
    throw new Error(`idempotency key "${doc.key}" has more than ${MAX_GENERATIONS} claim generations`);
  }

  async function latestGeneration({ tenantId, key }: ClaimDocument): Promise<number> {
    const [latest] = await claims
      .find({ tenantId, key }, { projection: { generation: 1 }, sort: { generation: -1 }, limit: 1, maxTimeMS })
      .toArray();
    return latest?.generation ?? 0;
  }

  /** For claims held by other events: DUPLICATE when the event is archived, otherwise finish its ingest. */
  async function heldOutcomes(held: readonly ClaimDocument[]): Promise<Map<string, ClaimResult>> {
    // One `_id` equality each rather than `$in`: FerretDB answers equality from its primary key and scans for `$in`.
    const archived = await Promise.all(
      held.map((c) => archive.findOne({ _id: c.eventId }, { projection: { _id: 1 }, maxTimeMS })),
    );
    const outcomes = new Map<string, ClaimResult>();
    held.forEach((c, i) => {
      let outcome: ClaimResult;
      if (archived[i]) outcome = { kind: 'duplicate', eventId: c.eventId, claimId: c._id };
      else if (c.event) outcome = { kind: 'complete', event: c.event, claimId: c._id };
      else
        outcome = { kind: 'failed', cause: new Error(`claim ${c._id} lost its event copy while live (clock skew?)`) };
      outcomes.set(c._id, outcome);
    });
    return outcomes;
  }

  /** Strips expired claims of their event copy (space only; correctness never depends on it). */
  async function sweep(): Promise<number> {
    const cutoff = new Date(now() - idempotencyWindowMs);
    const { modifiedCount } = await claims.updateMany(
      { at: { $lte: cutoff }, event: { $exists: true } },
      { $unset: { event: '' } },
    );
    return modifiedCount;
  }

  /**
   * Adds the duplicates an append met to their claims: an `_id` update per claim, and only when
   * a duplicate happened, so publishes without one pay nothing. A count, not a decision: on
   * FerretDB two concurrent updates of one claim may count once.
   */
  async function countDuplicates(counts: ReadonlyMap<string, number>): Promise<void> {
    const at = new Date(now());
    await Promise.all(
      [...counts].map(([_id, n]) =>
        claims.updateOne({ _id }, { $inc: { duplicates: n }, $max: { lastDuplicateAt: at } }),
      ),
    );
  }

  /** The key's newest claim generation while it is live: the only one that can be (a later one is taken only after it expires). */
  async function record(tenantId: string, key: string): Promise<IdempotencyRecord | null> {
    const [claim] = await claims
      .find({ tenantId, key }, { projection: { event: 0 }, sort: { generation: -1 }, limit: 1, maxTimeMS })
      .toArray();
    if (!claim || !live(claim)) return null;
    return {
      key,
      eventId: claim.eventId,
      duplicates: claim.duplicates ?? 0,
      lastDuplicateAt: claim.lastDuplicateAt ?? null,
      expiresAt: new Date(claim.at.getTime() + idempotencyWindowMs),
    };
  }

  return { claim, sweep, countDuplicates, record };
}

export type Claims = ReturnType<typeof createClaims>;
