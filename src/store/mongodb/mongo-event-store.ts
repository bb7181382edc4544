import type { MongoClient, WriteConcernSettings } from 'mongodb';
import { pino, type Logger } from 'pino';
import { unavailable } from '../../errors.ts';
import type { EventStore } from '../event-store.ts';
import { createAppend, type AppendFaults } from './append.ts';
import { createClaims } from './claims.ts';
import { setUpCollections } from './collections.ts';
import { guard } from './errors.ts';
import { createPositions } from './positions.ts';
import { createPurgedRanges } from './purged-ranges.ts';
import { createQueries } from './queries.ts';
import { createRangeCounter } from './range-counter.ts';
import { createRangeReader } from './range-reader.ts';
import { createWindowReader } from './window-reader.ts';

export interface MongoEventStoreOptions {
  /**
   * A connected (or connectable) client. The caller owns it: `close()` stops
   * this store's own work but never closes the client, which main may share
   * with other adapters.
   */
  client: MongoClient;
  /** The database holding the store's collections; one store per database. */
  dbName: string;
  /**
   * Write concern of every write that matters (claims, positions, archive,
   * tombstones). An event is ACCEPTED only once its archive insert is
   * acknowledged with it. Default `{ w: 'majority', j: true }`; FerretDB
   * accepts it. The live copy always uses `{ w: 1 }`.
   */
  writeConcern?: WriteConcernSettings;
  /**
   * Size in bytes of the capped live collection (the recent-window copy,
   * written in the background once the archive has acknowledged, best effort;
   * recent reads it provably holds whole are served from it). Default 64 MiB. 0 means no live
   * collection, no copy and every read from the archive. An existing collection is never resized; a
   * different size is logged.
   */
  liveCollectionBytes?: number;
  /** How long an idempotency key is remembered (HUB_IDEMPOTENCY_WINDOW_MS, default 24 h). */
  idempotencyWindowMs: number;
  /** Server-side time limit of every read but a range's cursor; exceeding it is UNAVAILABLE. Default 10 s. */
  maxTimeMS?: number;
  /**
   * Server time a `readRange` cursor may use over its whole life (catch-up,
   * handler lines, replays). Default 10 minutes: such a cursor streams a range
   * of any size while its reader keeps pulling, and on a server that sorts
   * in memory before the first batch (FerretDB) that alone can pass `maxTimeMS`.
   */
  rangeMaxTimeMS?: number;
  /**
   * How long a reserved position may stay empty before a reader fills it with
   * a gap tombstone (the writer then retries with a fresh position). Shorter
   * makes catch-up past a crashed writer faster; longer makes slow writers
   * retry less. Default 2 s.
   */
  gapGraceMs?: number;
  /** How often expired idempotency claims are stripped of their event copy (space only; the small claim stays). Default 10 min; 0 disables. */
  claimSweepIntervalMs?: number;
  log?: Logger;
  /** The clock of idempotency windows (tests inject one). Default `Date.now`. */
  now?: () => number;
  /** Failure injection between the writes of an append; tests only. */
  faults?: AppendFaults;
}

/**
 * The MongoDB EventStore: portable to MongoDB 6/7 and FerretDB v1 (docs/ARCHITECTURE.md §10).
 * Creates its collections and indexes idempotently, hence async.
 */
export async function createMongoEventStore(options: MongoEventStoreOptions): Promise<EventStore> {
  const log = (options.log ?? pino({ enabled: false })).child({ component: 'mongo-event-store' });
  const maxTimeMS = options.maxTimeMS ?? 10_000;
  const now = options.now ?? Date.now;
  const db = options.client.db(options.dbName);
  const collections = await guard(() =>
    setUpCollections(db, {
      liveCollectionBytes: options.liveCollectionBytes ?? 64 * 1024 * 1024,
      writeConcern: options.writeConcern ?? { w: 'majority', j: true },
      log,
    }),
  );
  const positions = createPositions({ collections, maxTimeMS, gapGraceMs: options.gapGraceMs ?? 2000, log });
  const claims = createClaims({ collections, idempotencyWindowMs: options.idempotencyWindowMs, maxTimeMS, now });
  const append = createAppend({ collections, claims, positions, maxTimeMS, log, faults: options.faults ?? {} });
  const rangeMaxTimeMS = options.rangeMaxTimeMS ?? 600_000;
  const purged = createPurgedRanges({ collections, positions, maxTimeMS, deleteMaxTimeMS: rangeMaxTimeMS });
  const window = createWindowReader({ live: collections.live, maxTimeMS });
  const queries = createQueries({ collections, positions, purged, window, maxTimeMS });
  const readRange = createRangeReader({ collections, positions, purged, window, cursorMaxTimeMS: rangeMaxTimeMS });
  const countRange = createRangeCounter({ collections, purged, cursorMaxTimeMS: rangeMaxTimeMS });

  const sweepEvery = options.claimSweepIntervalMs ?? 10 * 60_000;
  const sweeper =
    sweepEvery > 0
      ? setInterval(() => {
          claims.sweep().then(
            (stripped) => stripped && log.debug({ stripped }, 'event copies stripped from expired idempotency claims'),
            (error: unknown) => log.warn({ err: error }, 'idempotency claim sweep failed'),
          );
        }, sweepEvery).unref()
      : undefined;

  return {
    append: (events) => (events.length ? guard(() => append.append(events)) : Promise.resolve([])),
    get: (tenantId, id) => guard(() => queries.get(tenantId, id)),
    getMany: (tenantId, ids) => guard(() => queries.getMany(tenantId, ids)),
    query: (tenantId, query) => guard(() => queries.query(tenantId, query)),
    count: (tenantId, filter, limit) => guard(() => queries.count(tenantId, filter, limit)),
    idempotencyRecord: (tenantId, key) => guard(() => claims.record(tenantId, key)),
    stats: (tenantId, filter, groupBy) => guard(() => queries.stats(tenantId, filter, groupBy)),
    readAfter: (tenantId, after, filter, limit) => guard(() => queries.readAfter(tenantId, after, filter, limit)),
    readRange: (tenantId, request) => guard(() => readRange(tenantId, request)),
    countRange: (tenantId, request) => guard(() => countRange(tenantId, request)),
    headPosition: (tenantId) => guard(() => queries.headPosition(tenantId)),
    tenants: () => guard(() => queries.tenants()),
    positionHint: (tenantId) => guard(() => queries.positionHint(tenantId)),
    deleteRange: (tenantId, request) => guard(() => purged.deleteRange(tenantId, request)),
    purgedThrough: (tenantId) => guard(() => purged.purgedThrough(tenantId)),
    async ping() {
      try {
        await db.command({ ping: 1 }, { timeoutMS: maxTimeMS });
      } catch (error) {
        throw unavailable('the event store', error);
      }
    },
    async close() {
      if (sweeper) clearInterval(sweeper);
      positions.close();
      await append.flush();
    },
  };
}
