import { MongoClient } from 'mongodb';
import { unavailable } from '../../errors.ts';
import type { Logger } from '../../logger.ts';
import { COLLECTIONS } from '../../store/mongodb/collections.ts';
import type { StoredEvent } from '../../store/mongodb/documents.ts';
import type { BusSubscription, EventBus, EventListener } from '../event-bus.ts';
import { startLiveTail, type LiveTail } from './live-tail.ts';

export interface MongoEventBusOptions {
  url: string;
  /** The database of the MongoDB event store whose live collection carries the events. */
  dbName: string;
  log: Logger;
  /** How long one getMore of the tailable cursor waits for new copies. Default 1000 ms. */
  awaitMs?: number;
  /** Pause before reopening a failed cursor. Default 500 ms. */
  retryMs?: number;
  /** How far before its resume point a new cursor reads (live-tail.ts). Default 10 minutes. */
  lookbackMs?: number;
  serverSelectionTimeoutMS?: number;
}

/**
 * The bus of hub processes that share a MongoDB but no Redis. There is no
 * message to send: the store already copies every acknowledged event into
 * the capped live collection (live-copier.ts), and each process follows that
 * collection with a tailable cursor. So `publish` is a no-op, and the
 * guarantees are the copy's and the cursor's:
 * - at most once: a copy the store dropped (queue overflow, process died after
 *   the acknowledgement) is never delivered; the subscriber's sequencer sees
 *   the hole when a later event of the tenant arrives and reads it from the store;
 * - per publisher, in publish order: one process copies in acknowledgement order,
 *   and a capped collection keeps insertion order;
 * - a cursor that fails is reopened after the last document it passed, and
 *   `onReconnect` listeners are told, so readers recover from the store what
 *   the gap may have held; likewise when that document has left the window.
 * Latency is the copy's queue plus the getMore's wake-up; where Redis is
 * configured it remains the fast path.
 */
export async function createMongoEventBus(options: MongoEventBusOptions): Promise<EventBus> {
  const log = options.log.child({ component: 'mongo-bus' });
  const client = new MongoClient(options.url, { serverSelectionTimeoutMS: options.serverSelectionTimeoutMS ?? 10_000 });
  await client.connect();
  const db = client.db(options.dbName);
  const live = db.collection<StoredEvent>(COLLECTIONS.live);
  const listeners = new Set<EventListener>();
  const reconnects = new Set<() => void>();
  let tail: LiveTail | null = null;
  let closed = false;

  const deliver = (event: Parameters<EventListener>[0]) => {
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (error) {
        log.error({ err: error, eventId: event.id }, 'bus listener threw; delivering to the others');
      }
    }
  };
  const lost = () => {
    for (const listener of reconnects) listener();
  };

  /** One cursor per process, however many listeners; started by the first subscribe, kept until close. */
  async function ensureTail(): Promise<void> {
    if (!tail) {
      tail = startLiveTail({
        live,
        log,
        deliver,
        lost,
        awaitMs: options.awaitMs ?? 1000,
        retryMs: options.retryMs ?? 500,
        lookbackMs: options.lookbackMs ?? 10 * 60_000,
      });
    }
    const current = tail;
    try {
      await current.started;
    } catch (error) {
      if (tail === current) tail = null; // the next subscribe tries again
      throw unavailable('the live collection', error);
    }
  }

  return {
    async publish() {
      // The store's live copy is the message (see above).
    },
    async subscribe(listener: EventListener): Promise<BusSubscription> {
      if (closed) throw unavailable('the bus (closed)');
      await ensureTail();
      const own: EventListener = (event) => listener(event); // a distinct entry even if the same function subscribes twice
      listeners.add(own);
      return { close: async () => void listeners.delete(own) };
    },
    onReconnect(listener) {
      const own = () => listener();
      reconnects.add(own);
      return () => void reconnects.delete(own);
    },
    async ping() {
      try {
        await db.command({ ping: 1 });
      } catch (error) {
        throw unavailable('the bus', error);
      }
    },
    async close() {
      closed = true;
      listeners.clear();
      reconnects.clear();
      await tail?.stop();
      await client.close();
    },
  };
}
