import { cursorExpired } from '../../errors.ts';
import { encodePosition } from '../../events/position.ts';
import type { DeleteRangeRequest } from '../event-store.ts';
import { tooRecent } from '../purged-range.ts';
import type { StoreCollections } from './collections.ts';
import { isDuplicateKey } from './errors.ts';
import type { Positions } from './positions.ts';

export interface PurgedRangesOptions {
  collections: StoreCollections;
  positions: Positions;
  maxTimeMS: number;
  /** Of the delete, which removes up to a whole cold segment's events at once. */
  deleteMaxTimeMS: number;
}

/**
 * Retention's side of the archive: the per-tenant floor (`event_floors`)
 * and the delete below it. The floor is raised first and the events deleted
 * after, so readers check the floor after they read: a read that raced a
 * delete sees the raised floor and answers CURSOR_EXPIRED instead of a range
 * with a hole in it. Deleting only below the safe head keeps the gap scans
 * (positions.ts), which look above the watermark, blind to it.
 */
export function createPurgedRanges({ collections, positions, maxTimeMS, deleteMaxTimeMS }: PurgedRangesOptions) {
  const { archive, floors } = collections;

  async function purgedThrough(tenantId: string): Promise<number> {
    return (await floors.findOne({ _id: tenantId }, { maxTimeMS }))?.purged ?? 0;
  }

  /** After a read from `after`: throws CURSOR_EXPIRED when part of what it asked for has left; returns the floor. */
  async function assertServed(tenantId: string, after: number): Promise<number> {
    const purged = await purgedThrough(tenantId);
    if (after < purged) throw cursorExpired(encodePosition(after), 'evicted', purged);
    return purged;
  }

  async function raiseFloor(tenantId: string, purged: number): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await floors.updateOne({ _id: tenantId }, { $max: { purged } }, { upsert: true });
        return;
      } catch (error) {
        // Two first upserts raced: the document exists now, and the plain update decides.
        if (!isDuplicateKey(error) || attempt > 0) throw error;
      }
    }
  }

  async function deleteRange(tenantId: string, { upTo, receivedBefore }: DeleteRangeRequest): Promise<number> {
    const through = Math.min(upTo, (await positions.currentHead(tenantId)).head);
    if (through <= 0) return 0;
    // Only the range's undeleted events are left below it, so on MongoDB this is a short index range.
    const recent = await archive.findOne(
      { tenantId, position: { $lte: through }, receivedAt: { $gte: receivedBefore } },
      { projection: { _id: 1 }, maxTimeMS },
    );
    if (recent) throw tooRecent(receivedBefore);
    await raiseFloor(tenantId, through);
    // Tombstones go too: below the floor nothing is read, and the watermark already covers them.
    const { deletedCount } = await archive.deleteMany(
      { tenantId, position: { $lte: through } },
      { maxTimeMS: deleteMaxTimeMS },
    );
    return deletedCount;
  }

  return { purgedThrough, assertServed, deleteRange };
}

export type PurgedRanges = ReturnType<typeof createPurgedRanges>;
