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

/**
 * Position blocks proposed for an append before its documents are known
 * (claimed keys may turn out duplicates): per tenant, how many and the first.
 */
export type Reservation = ReadonlyMap<string, { count: number; first: Promise<number> }>;

/** The archived event, or why it could not be archived. */
export type ArchiveResult = { stored: StoredEvent; byThisCall: boolean } | { error: HubError };

interface Block {
  tenantId: string;
  first: number;
  last: number;
  /** False when a position in it may still be empty (a write failed in an unknown way). */
  filled: boolean;
}

/** A position this call reserved and will not fill itself: tombstoned once the insert is done. */
interface Abandoned {
  tenantId: string;
  position: number;
  block: Block;
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
   * Proposes a block per tenant for `tenants` (one entry per document that may be archived),
   * without waiting: the append runs it beside the idempotency claims, in the same round trip.
   * A proposal that fails rejects only when `write` uses it.
   */
  function reserve(tenants: readonly string[]): Reservation {
    const counts = new Map<string, number>();
    for (const tenantId of tenants) counts.set(tenantId, (counts.get(tenantId) ?? 0) + 1);
    const reservation = new Map<string, { count: number; first: Promise<number> }>();
    for (const [tenantId, count] of counts) {
      const first = positions.allocate(tenantId, count);
      first.catch(() => {}); // the append may end (a failed claim) before it looks
      reservation.set(tenantId, { count, first });
    }
    return reservation;
  }

  /**
   * `shared[i]` says whether another process may archive `docs[i]` too (it
   * holds an idempotency claim others can finish); only then does a duplicate
   * key need a look at whether the event itself is already there.
   * `afterPosition` runs between reserving positions and inserting (failure injection).
   * The first round places the documents in `reserved`; positions of it they do not use are
   * tombstoned after the insert.
   */
  async function write(
    docs: readonly UnpositionedEvent[],
    shared: readonly boolean[],
    afterPosition: () => Promise<void>,
    reserved?: Reservation,
  ): Promise<ArchiveResult[]> {
    const results: (ArchiveResult | undefined)[] = docs.map(() => undefined);
    const blocks: Block[] = [];
    const abandoned: Abandoned[] = [];
    let pending = docs.map((_, i) => i);
    /** tenant → highest position found taken, so the next proposal starts above it. */
    const taken = new Map<string, number>();

    for (let round = 0; pending.length && round < MAX_ROUNDS; round++) {
      if (round > 1) await sleep(Math.random() * 2 ** Math.min(round, 7)); // spread writers that keep colliding
      const placed = await place(
        pending.map((i) => docs[i]!),
        blocks,
        taken,
        round === 0 ? reserved : undefined,
        abandoned,
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
        } else {
          results[pending[n]!] = { stored: existing, byThisCall: false };
          abandoned.push({ tenantId: p.doc.tenantId, position: p.doc.position, block: p.block });
        }
      });
      pending = next;
    }
    for (const i of pending) results[i] = { error: unavailable('a free event position') };
    if (reserved && !docs.length) await place([], blocks, taken, reserved, abandoned);
    await settle(abandoned, blocks);
    return results.map((r) => r ?? { error: unavailable('the event archive') });
  }

  /**
   * One block per tenant, from `reserved` when it has enough room (what it has over is
   * abandoned, to be tombstoned), else freshly proposed; assigns positions in input order.
   */
  async function place(
    docs: UnpositionedEvent[],
    blocks: Block[],
    taken: ReadonlyMap<string, number>,
    reserved: Reservation | undefined,
    abandoned: Abandoned[],
  ) {
    const byTenant = new Map<string, UnpositionedEvent[]>();
    for (const tenantId of reserved?.keys() ?? []) byTenant.set(tenantId, []);
    for (const doc of docs) {
      const list = byTenant.get(doc.tenantId);
      if (list) list.push(doc);
      else byTenant.set(doc.tenantId, [doc]);
    }
    const firsts = new Map<string, Block>();
    await Promise.all(
      [...byTenant].map(async ([tenantId, list]) => {
        const reservation = reserved?.get(tenantId);
        if (reservation) {
          const first = await reservation.first;
          const block = { tenantId, first, last: first + reservation.count - 1, filled: true };
          blocks.push(block);
          const fits = list.length <= reservation.count;
          for (let p = fits ? first + list.length : first; p <= block.last; p++)
            abandoned.push({ tenantId, position: p, block });
          if (fits) return void firsts.set(tenantId, block);
        }
        if (!list.length) return;
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
  async function settle(abandoned: Abandoned[], blocks: Block[]) {
    try {
      abandoned = await giveBackTops(abandoned, blocks);
      for (const tenantId of new Set(abandoned.map((a) => a.tenantId))) {
        await positions.tombstone(
          tenantId,
          abandoned.filter((a) => a.tenantId === tenantId).map((a) => a.position),
        );
      }
      for (const block of blocks)
        if (block.filled && block.last >= block.first)
          await positions.markFilled(block.tenantId, block.first, block.last);
    } catch (error) {
      log.warn({ err: error }, 'could not settle positions after append; readers will');
    }
  }

  /**
   * Abandoned positions at the top of their block go back to the counter when nothing was
   * proposed past the block meanwhile (a duplicate costs no tombstone then, and positions stay
   * dense); returns those still to tombstone.
   */
  async function giveBackTops(abandoned: Abandoned[], blocks: readonly Block[]): Promise<Abandoned[]> {
    let left = abandoned;
    for (const block of blocks) {
      const mine = new Set(left.filter((a) => a.block === block).map((a) => a.position));
      let top = block.last;
      while (top >= block.first && mine.has(top)) top--;
      const count = block.last - top;
      if (!count || !(await positions.giveBack(block.tenantId, block.last, count))) continue;
      left = left.filter((a) => a.block !== block || a.position <= top);
      block.last = top;
    }
    return left;
  }

  return { reserve, write };
}
