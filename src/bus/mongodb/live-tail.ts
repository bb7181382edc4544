import type { Collection, FindCursor } from 'mongodb';
import type { Logger } from '../../logger.ts';
import { toHubEvent, type StoredEvent } from '../../store/mongodb/documents.ts';
import type { HubEvent } from '../../events/event.ts';

/** The last document the tail has passed (delivered or skipped): where a new cursor resumes. */
interface Mark {
  id: string;
  receivedAt: Date;
}

export interface LiveTailOptions {
  live: Collection<StoredEvent>;
  log: Logger;
  /** Called once per document after the start, in the collection's insertion order. */
  deliver(event: HubEvent): void;
  /** The tail may have passed documents it did not deliver (a lost cursor, a resume point evicted). */
  lost(): void;
  /** How long one getMore waits for new documents. */
  awaitMs: number;
  /** Pause before reopening after an error. */
  retryMs: number;
  /** How far before the resume point a new cursor starts reading (see `open`). */
  lookbackMs: number;
}

/** Pause before replacing a cursor the server closed without an error. */
const REOPEN_MS = 100;

const sleep = (ms: number) => new Promise((wake) => setTimeout(wake, ms));

export interface LiveTail {
  /** Resolves once the starting point is fixed: documents inserted from then on are delivered. */
  readonly started: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Follows the capped live collection with a tailable, awaitData cursor. A
 * capped collection keeps insertion order and a tailable cursor stays open at
 * its end, so the cursor is a feed of what every process's store copied.
 *
 * No field orders the collection across tenants, so a cursor cannot start
 * "after" a document: each cursor reads from the start of a recent slice and
 * skips up to the mark (the last document passed). The slice is bounded by
 * `receivedAt` so a new cursor does not ship the whole window; a copy whose
 * `receivedAt` lies further back than `lookbackMs` (a very late copy, a clock
 * that far behind) is never delivered — nor is anything else the tail cannot
 * vouch for: it reports `lost()`, and readers recover from the store.
 */
export function startLiveTail(options: LiveTailOptions): LiveTail {
  const { live, log } = options;
  let stopped = false;
  let cursor: FindCursor<StoredEvent> | null = null;
  let mark: Mark | null = null;

  async function latest(): Promise<Mark | null> {
    const [doc] = await live
      .find({}, { sort: { $natural: -1 }, limit: 1, projection: { _id: 1, receivedAt: 1 } })
      .toArray();
    return doc ? { id: doc._id, receivedAt: doc.receivedAt } : null;
  }

  function open(from: Mark | null): FindCursor<StoredEvent> {
    const filter = from ? { receivedAt: { $gte: new Date(from.receivedAt.getTime() - options.lookbackMs) } } : {};
    // batchSize 0: an empty first batch keeps the cursor open even when nothing matches yet (FerretDB closes a
    // tailable cursor whose first batch exhausts it).
    return live.find(filter, { tailable: true, awaitData: true, maxAwaitTimeMS: options.awaitMs, batchSize: 0 });
  }

  /** Reads one cursor until it dies. `recovering`: it replaces one that failed, which may have missed copies. */
  async function follow(current: FindCursor<StoredEvent>, recovering: boolean): Promise<void> {
    let skipping = mark !== null;
    while (!stopped) {
      const doc = await current.tryNext();
      if (recovering) {
        recovering = false;
        options.lost(); // live again: readers check the store for what the failed cursor missed
      }
      if (doc === null) {
        if (skipping) {
          // Caught up without meeting the mark: it left the window, and with it perhaps undelivered copies.
          skipping = false;
          options.lost();
        }
        if (current.closed || current.killed || current.id?.isZero()) return;
        continue;
      }
      if (skipping) {
        if (doc._id === mark!.id) skipping = false;
        continue;
      }
      mark = { id: doc._id, receivedAt: doc.receivedAt };
      options.deliver(toHubEvent(doc));
    }
  }

  async function run(): Promise<void> {
    let failed = false;
    while (!stopped) {
      const current = open(mark);
      cursor = current;
      try {
        await follow(current, failed);
        failed = false;
      } catch (error) {
        if (stopped) return;
        log.warn({ err: error }, 'live collection cursor lost; reopening');
        failed = true;
      } finally {
        await current.close().catch(() => {});
      }
      // A cursor the server ended on its own is reopened after a short pause, a failed one after `retryMs`.
      if (!stopped) await sleep(failed ? options.retryMs : REOPEN_MS);
    }
  }

  const started = latest().then((first) => {
    mark = first;
    void run();
  });

  return {
    started,
    async stop() {
      stopped = true;
      await cursor?.close().catch(() => {});
    },
  };
}
