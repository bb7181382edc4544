import { setTimeout as sleep } from 'node:timers/promises';
import type { WriteError } from 'mongodb';
import type { Logger } from 'pino';
import { unavailable, type HubError } from '../../errors.ts';
import type { StoreCollections } from './collections.ts';
import { withPosition, type StoredEvent, type UnpositionedEvent } from './documents.ts';
import { DUPLICATE_KEY, toStoreError, writeErrorsOf } from './errors.ts';
import type { Positions } from './positions.ts';

/**
 * Rounds of "position taken, take a fresh one" before an event is given up as
 * FAILED. On MongoDB a position is taken only by a gap tombstone; on FerretDB
 * v1 also by a concurrent writer that was proposed the same position.
 */
const MAX_ROUNDS = 12;

export interface ArchiveWriterOptions {
  collections: StoreCollections;
  positions: Positions;
  maxTimeMS: number;
  log: Logger;
}

/** The archived event, or why it could not be archived. */
export type ArchiveResult = { stored: StoredEvent; byThisCall: boolean } | { error: HubError };

interface Block {
  tenantId: string;
  first: number;
  last: number;
  /** False when a position in it may still be empty (a write failed in an unknown way). */
  filled: boolean;
}

/**
 * Gives each document a position and inserts it into the archive with the
 * store's write concern. A document whose position was taken meanwhile (a
 * reader tombstoned it as a gap) gets a fresh one; a document whose `_id` is
 * already archived (someone finished its ingest) is reported as stored, and
 * the position this call reserved for it is tombstoned at once.
 */
export function createArchiveWriter(options: ArchiveWriterOptions) {
  const { archive } = options.collections;
  const { positions, maxTimeMS, log } = options;

  /**
   * `shared[i]` says whether another process may archive `docs[i]` too (it
   * holds an idempotency claim others can finish); only then does a duplicate
   * key need a look at whether the event itself is already there.
   * `afterPosition` runs between reserving positions and inserting (failure injection).
   */
  async function write(
    docs: readonly UnpositionedEvent[],
    shared: readonly boolean[],
    afterPosition: () => Promise<void>,
  ): Promise<ArchiveResult[]> {
    const results: (ArchiveResult | undefined)[] = docs.map(() => undefined);
    const blocks: Block[] = [];
    const abandoned: { tenantId: string; position: number; block: Block }[] = [];
    let pending = docs.map((_, i) => i);
    /** tenant → highest position found taken, so the next proposal starts above it. */
    const taken = new Map<string, number>();

    for (let round = 0; pending.length && round < MAX_ROUNDS; round++) {
      if (round > 1) await sleep(Math.random() * 2 ** Math.min(round, 7)); // spread writers that keep colliding
      const placed = await place(
        pending.map((i) => docs[i]!),
        blocks,
        taken,
      );
      await afterPosition();
      let errors: Map<number, WriteError>;
      try {
        errors = await insert(placed.map((p) => p.doc));
      } catch (error) {
        // Nothing in this round is known to be written. When earlier rounds were, their
        // outcomes stand and only this round's documents fail.
        if (!results.some((r) => r && 'stored' in r)) throw toStoreError(error);
        for (const i of pending) results[i] = { error: unavailable('the event archive', error) };
        pending = [];
        break;
      }
      const conflicts: number[] = [];
      placed.forEach((p, n) => {
        const error = errors.get(n);
        if (error === undefined) results[pending[n]!] = { stored: p.doc, byThisCall: true };
        else if (error.code === DUPLICATE_KEY) conflicts.push(n);
        else {
          results[pending[n]!] = { error: unavailable('the event archive', error) };
          p.block.filled = false;
        }
      });
      const found = await Promise.all(
        conflicts.map((n) =>
          shared[pending[n]!] ? archive.findOne({ _id: placed[n]!.doc._id }, { maxTimeMS }) : null,
        ),
      );
      const next: number[] = [];
      conflicts.forEach((n, c) => {
        const existing = found[c] as StoredEvent | null;
        const p = placed[n]!;
        if (!existing) {
          // Our position was taken (a tombstone, or a writer proposed the same one): try a fresh one.
          taken.set(p.doc.tenantId, Math.max(taken.get(p.doc.tenantId) ?? 0, p.doc.position));
          next.push(pending[n]!);
          return;
        }
        results[pending[n]!] = { stored: existing, byThisCall: false };
        abandoned.push({ tenantId: p.doc.tenantId, position: p.doc.position, block: p.block });
      });
      pending = next;
    }
    for (const i of pending) results[i] = { error: unavailable('a free event position') };
    await settle(abandoned, blocks);
    return results.map((r) => r ?? { error: unavailable('the event archive') });
  }

  /** Reserves one block per tenant and assigns positions in input order. */
  async function place(docs: UnpositionedEvent[], blocks: Block[], taken: ReadonlyMap<string, number>) {
    const byTenant = new Map<string, UnpositionedEvent[]>();
    for (const doc of docs) {
      const list = byTenant.get(doc.tenantId);
      if (list) list.push(doc);
      else byTenant.set(doc.tenantId, [doc]);
    }
    const firsts = new Map<string, Block>();
    await Promise.all(
      [...byTenant].map(async ([tenantId, list]) => {
        const first = await positions.allocate(tenantId, list.length, taken.get(tenantId) ?? 0);
        const block = { tenantId, first, last: first + list.length - 1, filled: true };
        blocks.push(block);
        firsts.set(tenantId, block);
      }),
    );
    const next = new Map<string, number>();
    return docs.map((doc) => {
      const block = firsts.get(doc.tenantId)!;
      const position = next.get(doc.tenantId) ?? block.first;
      next.set(doc.tenantId, position + 1);
      return { doc: withPosition(doc, position), block };
    });
  }

  /** insertMany, unordered: returns the write error per failed document index. */
  async function insert(docs: StoredEvent[]): Promise<Map<number, WriteError>> {
    const errors = new Map<number, WriteError>();
    try {
      await archive.insertMany(docs, { ordered: false });
    } catch (error) {
      const writeErrors = writeErrorsOf(error);
      if (!writeErrors) throw error;
      for (const e of writeErrors) errors.set(e.index, e);
    }
    return errors;
  }

  /**
   * Best effort once the events are acknowledged: fill the positions this call
   * will not use, then move the safe watermark over the blocks this call
   * filled (readers do both themselves when this fails).
   */
  async function settle(abandoned: { tenantId: string; position: number; block: Block }[], blocks: Block[]) {
    try {
      for (const tenantId of new Set(abandoned.map((a) => a.tenantId))) {
        await positions.tombstone(
          tenantId,
          abandoned.filter((a) => a.tenantId === tenantId).map((a) => a.position),
        );
      }
      for (const block of blocks) if (block.filled) await positions.markFilled(block.tenantId, block.first, block.last);
    } catch (error) {
      log.warn({ err: error }, 'could not settle positions after append; readers will');
    }
  }

  return { write };
}
