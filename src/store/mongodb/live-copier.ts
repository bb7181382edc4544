import type { Collection } from 'mongodb';
import type { Logger } from 'pino';
import type { StoredEvent } from './documents.ts';
import { DUPLICATE_KEY, writeErrorsOf } from './errors.ts';

export interface LiveCopierOptions {
  live: Collection<StoredEvent>;
  log: Logger;
  /** Documents waiting for their copy beyond which the oldest are dropped (the copy is best effort). Default 10,000. */
  maxQueued?: number;
}

/** Documents per insert. */
const BATCH = 1000;

/**
 * The live collection's copy of newly archived events, written after the
 * events are acknowledged rather than before (docs/ARCHITECTURE.md §7): it is
 * a best-effort recent window that no read depends on, so it has no business
 * in the publish's latency. One `insertMany` at a time, of whatever has
 * queued up meanwhile, so under load the copy costs fewer round trips than
 * the appends it follows. Lost if the process dies first; that is a gap in a
 * cache, not in the archive.
 */
export function createLiveCopier({ live, log, maxQueued = 10_000 }: LiveCopierOptions) {
  let queue: StoredEvent[] = [];
  let running: Promise<void> | null = null;
  let dropped = 0;

  async function drain(): Promise<void> {
    while (queue.length) {
      const batch = queue.splice(0, BATCH);
      try {
        await live.insertMany(batch, { ordered: false });
      } catch (error) {
        // E11000 only: another process finishing the same claim copied it first.
        const errors = writeErrorsOf(error);
        if (!errors || errors.some((e) => e.code !== DUPLICATE_KEY)) {
          log.warn({ err: error, events: batch.length }, 'live copy failed; the archive has the events');
        }
      }
    }
    if (dropped) log.warn({ dropped }, 'live copy fell behind; the oldest waiting copies were dropped');
    dropped = 0;
    running = null;
  }

  return {
    /** Queues copies of events the archive has just acknowledged. Never waits, never throws. */
    copy(docs: readonly StoredEvent[]): void {
      if (!docs.length) return;
      queue.push(...docs);
      if (queue.length > maxQueued) {
        dropped += queue.length - maxQueued;
        queue = queue.slice(-maxQueued);
      }
      // Started on the next turn of the event loop, once the append's answer is on its way:
      // the copy never shares the acknowledgement's window, and appends of the same turn share one insert.
      running ??= new Promise<void>((resolve) => setImmediate(resolve)).then(drain);
    },
    /** Resolves once every queued copy has been written (or given up on). */
    async flush(): Promise<void> {
      while (running) await running;
    },
  };
}
