import type { Logger } from 'pino';
import { unavailable } from '../../errors.ts';
import type { PendingEvent } from '../../events/event.ts';
import type { AppendOutcome } from '../event-store.ts';
import { createArchiveWriter, type ArchiveResult } from './archive-writer.ts';
import { claimId, type Claims } from './claims.ts';
import type { StoreCollections } from './collections.ts';
import { toHubEvent, toUnpositioned, type StoredEvent, type UnpositionedEvent } from './documents.ts';
import { createLiveCopier } from './live-copier.ts';
import type { Positions } from './positions.ts';

/**
 * Failure injection for tests: each hook runs between two writes of an
 * append; throwing from it aborts the append there, as a crash of the process
 * would (nothing after it runs, nothing is cleaned up).
 */
export interface AppendFaults {
  /** After the idempotency claims are written, before positions are reserved. */
  afterClaim?(events: readonly PendingEvent[]): void | Promise<void>;
  /** After positions are reserved, before the archive insert. */
  afterPosition?(events: readonly PendingEvent[]): void | Promise<void>;
  /** After the archive insert is acknowledged, before the live copy is queued. */
  afterArchive?(events: readonly PendingEvent[]): void | Promise<void>;
}

export interface AppendOptions {
  collections: StoreCollections;
  claims: Claims;
  positions: Positions;
  maxTimeMS: number;
  log: Logger;
  faults: AppendFaults;
}

/** One document to archive: the caller's event, or a claimed event this call finishes for another ingest. */
interface Item {
  input: number;
  doc: UnpositionedEvent;
  finishesClaim: boolean;
}

/** The append protocol; docs/ARCHITECTURE.md §4 walks through it step by step. */
export function createAppend(options: AppendOptions) {
  const { collections, claims, faults } = options;
  const writer = createArchiveWriter(options);
  const liveCopier = collections.live ? createLiveCopier({ live: collections.live, log: options.log }) : null;

  async function append(events: readonly PendingEvent[]): Promise<AppendOutcome[]> {
    const outcomes: (AppendOutcome | undefined)[] = events.map(() => undefined);
    const docs = events.map(toUnpositioned);
    const items: Item[] = [];

    // 1. In-batch duplicates follow the first event with their key; the rest of the keyed ones claim.
    const firstWithKey = new Map<string, number>();
    const followers: [follower: number, leader: number][] = [];
    const claimants: number[] = [];
    events.forEach((event, i) => {
      const key = event.metadata.idempotencyKey;
      if (key === undefined) {
        items.push({ input: i, doc: docs[i]!, finishesClaim: false });
        return;
      }
      const id = claimId(event.tenantId, key, 0);
      const leader = firstWithKey.get(id);
      if (leader !== undefined) {
        followers.push([i, leader]);
        return;
      }
      firstWithKey.set(id, i);
      claimants.push(i);
    });

    // 2. Claims before the archive: whoever meets a claim can finish its ingest.
    const claimed = await claims.claim(
      claimants.map((i) => ({
        tenantId: events[i]!.tenantId,
        key: events[i]!.metadata.idempotencyKey!,
        event: docs[i]!,
      })),
    );
    const claimOf = new Map<number, string>();
    claimants.forEach((i, n) => {
      const result = claimed[n]!;
      if (result.kind !== 'failed') claimOf.set(i, result.claimId);
      if (result.kind === 'own') items.push({ input: i, doc: docs[i]!, finishesClaim: false });
      else if (result.kind === 'complete') items.push({ input: i, doc: result.event, finishesClaim: true });
      else if (result.kind === 'duplicate') outcomes[i] = { status: 'DUPLICATE', originalEventId: result.eventId };
      else outcomes[i] = { status: 'FAILED', error: unavailable('the idempotency claims', result.cause) };
    });
    await faults.afterClaim?.(events);

    // 3 + 4. Positions, then the archive with the store's write concern: the acknowledgement point.
    items.sort((a, b) => a.input - b.input);
    const archived = await writer.write(
      items.map((item) => item.doc),
      items.map((item) => events[item.input]!.metadata.idempotencyKey !== undefined),
      async () => faults.afterPosition?.(events),
    );
    await faults.afterArchive?.(events);

    const copies: StoredEvent[] = [];
    items.forEach((item, n) => {
      const result = archived[n]!;
      outcomes[item.input] = outcomeOf(item, result);
      if ('stored' in result && result.byThisCall) copies.push(result.stored);
    });
    for (const [follower, leader] of followers) outcomes[follower] = followerOutcome(outcomes[leader]!);
    // A follower was turned away by its leader's claim.
    for (const [follower, leader] of followers) if (claimOf.has(leader)) claimOf.set(follower, claimOf.get(leader)!);
    await countDuplicates(outcomes, claimOf);

    // 5. The live copy, best effort and after the acknowledgement: readers never depend on it.
    liveCopier?.copy(copies);
    return outcomes.map((o) => o ?? { status: 'FAILED', error: unavailable('the event store') });
  }

  /** Every DUPLICATE answer of the call, counted on the claim that turned it away; best effort. */
  async function countDuplicates(
    outcomes: readonly (AppendOutcome | undefined)[],
    claimOf: ReadonlyMap<number, string>,
  ): Promise<void> {
    const counts = new Map<string, number>();
    outcomes.forEach((outcome, i) => {
      const claim = claimOf.get(i);
      if (outcome?.status === 'DUPLICATE' && claim !== undefined) counts.set(claim, (counts.get(claim) ?? 0) + 1);
    });
    if (!counts.size) return;
    try {
      await claims.countDuplicates(counts);
    } catch (error) {
      options.log.warn({ err: error }, 'duplicate count not recorded');
    }
  }

  return { append, flush: async () => liveCopier?.flush() };
}

function outcomeOf(item: Item, result: ArchiveResult): AppendOutcome {
  if ('error' in result) return { status: 'FAILED', error: result.error };
  if (item.finishesClaim)
    return { status: 'DUPLICATE', originalEventId: result.stored.id, completed: toHubEvent(result.stored) };
  return { status: 'ACCEPTED', event: toHubEvent(result.stored) };
}

/** A later event with the same key in the same call is a duplicate of whatever the first one became. */
function followerOutcome(leader: AppendOutcome): AppendOutcome {
  return leader.status === 'ACCEPTED' ? { status: 'DUPLICATE', originalEventId: leader.event.id } : leader;
}
