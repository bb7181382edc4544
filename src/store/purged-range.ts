import { HubError, ErrorCode } from '../errors.ts';
import type { SortOrder } from './event-store.ts';

/**
 * Whether a page continuing from `after` asks for positions that have left
 * the store (everything through `purged`): ascending, it would start below
 * them; descending, everything it would return lies at or below them.
 */
export function pageLeftStore(after: number, order: SortOrder, purged: number): boolean {
  if (purged <= 0) return false;
  return order === 'ASC' ? after < purged : after - 1 <= purged;
}

/** `deleteRange` found an event received too recently in its range: a caller's bug, so nothing is deleted. */
export const tooRecent = (receivedBefore: Date) =>
  new HubError(
    ErrorCode.INTERNAL,
    `refusing to delete: the range holds an event received at or after ${receivedBefore.toISOString()}`,
  );
