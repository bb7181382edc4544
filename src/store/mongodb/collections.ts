import type { Collection, Db, Document, IndexDescription, WriteConcernSettings } from 'mongodb';
import type { Logger } from 'pino';
import type { ArchiveDocument, StoredEvent, UnpositionedEvent } from './documents.ts';

/** Collection names; one store per database. */
export const COLLECTIONS = {
  archive: 'events',
  live: 'events_live',
  claims: 'event_claims',
  counters: 'event_positions',
  watermarks: 'event_watermarks',
  floors: 'event_floors',
} as const;

/** Per-tenant position counter, `_id` = tenant id: proposes positions to writers (see positions.ts). */
export interface CounterDocument {
  _id: string;
  /** Highest position proposed to a writer (a hint: the archive's unique index decides). */
  seq: number;
}

/**
 * Per-tenant safe watermark, `_id` = tenant id: every position up to `safe`
 * holds an event or a tombstone. A document of its own so that raising it
 * never rewrites the counter (FerretDB v1 updates whole documents and can
 * lose concurrent ones).
 */
export interface WatermarkDocument {
  _id: string;
  safe: number;
}

/**
 * How far retention has removed a tenant's oldest events, `_id` = tenant id:
 * every position up to `purged` has left the archive (or is leaving it: the
 * floor is raised before the delete, so a reader that checks it after reading
 * never mistakes a half-deleted range for a whole one).
 */
export interface FloorDocument {
  _id: string;
  purged: number;
}

/** An idempotency claim, `_id` = `claimId(tenantId, key, generation)` (see claims.ts). */
export interface ClaimDocument {
  _id: string;
  tenantId: string;
  key: string;
  /** 0 for the key's first claim; each claim after an expired one takes the next number. */
  generation: number;
  eventId: string;
  /** When the claim was taken; it expires `idempotencyWindowMs` later. */
  at: Date;
  /**
   * The whole event, so whoever meets the claim can finish an interrupted
   * ingest. Removed by the sweep once the claim has expired.
   */
  event?: UnpositionedEvent;
  /** Publishes of the key answered DUPLICATE while this claim held it; absent until the first. */
  duplicates?: number;
  lastDuplicateAt?: Date;
}

export interface StoreCollections {
  archive: Collection<ArchiveDocument>;
  /** Null when the live copy is switched off (`liveCollectionBytes: 0`). */
  live: Collection<StoredEvent> | null;
  claims: Collection<ClaimDocument>;
  counters: Collection<CounterDocument>;
  watermarks: Collection<WatermarkDocument>;
  floors: Collection<FloorDocument>;
}

/**
 * Archive indexes, each named for the query shape it serves on MongoDB
 * (FerretDB's SQLite backend accepts them but scans; docs/ARCHITECTURE.md §8).
 * There is no separate unique (tenantId, id): `_id` is the event id, so the
 * `_id` index already makes ids unique (across tenants, even) and serves `get`.
 */
const ARCHIVE_INDEXES: IndexDescription[] = [
  // readAfter, query without a selective field (sort by position), gap scans; unique so a
  // position holds one event or one tombstone, which is what makes positions safe.
  { key: { tenantId: 1, position: 1 }, name: 'tenant_position', unique: true },
  // from/to ranges.
  { key: { tenantId: 1, timestamp: 1 }, name: 'tenant_timestamp' },
  // types / patterns (exact, $in, anchored regex) with an optional time range.
  { key: { tenantId: 1, type: 1, timestamp: 1 }, name: 'tenant_type_timestamp' },
  // Equality on one selective field, then the position order of the page.
  { key: { tenantId: 1, 'metadata.correlationId': 1, position: 1 }, name: 'tenant_correlation_position' },
  { key: { tenantId: 1, 'metadata.causationId': 1, position: 1 }, name: 'tenant_causation_position' },
  { key: { tenantId: 1, subject: 1, position: 1 }, name: 'tenant_subject_position' },
  // sourceId (and sourceTypes, which alone has too few values to be worth an index).
  { key: { tenantId: 1, 'source.id': 1, 'source.type': 1, position: 1 }, name: 'tenant_source_position' },
];

export interface SetupOptions {
  liveCollectionBytes: number;
  writeConcern: WriteConcernSettings;
  log: Logger;
}

/**
 * Creates what is missing and leaves what exists: safe to run on every start
 * and from several processes at once.
 */
export async function setUpCollections(db: Db, options: SetupOptions): Promise<StoreCollections> {
  const { writeConcern } = options;
  await ensureCollection(db, COLLECTIONS.archive);
  await ensureCollection(db, COLLECTIONS.claims);
  await ensureCollection(db, COLLECTIONS.counters);
  await ensureCollection(db, COLLECTIONS.watermarks);
  await ensureCollection(db, COLLECTIONS.floors);
  const archive = db.collection<ArchiveDocument>(COLLECTIONS.archive, { writeConcern });
  await ensureIndexes(archive, ARCHIVE_INDEXES);
  const claims = db.collection<ClaimDocument>(COLLECTIONS.claims, { writeConcern });
  await ensureIndexes(claims, [
    // The sweep that strips expired claims of their event copy; the window never depends on it.
    { key: { at: 1 }, name: 'claimed_at' },
    // The latest generation of a key reused over many windows (claims.ts).
    { key: { tenantId: 1, key: 1, generation: -1 }, name: 'tenant_key_generation' },
  ]);
  const counters = db.collection<CounterDocument>(COLLECTIONS.counters, { writeConcern });
  const watermarks = db.collection<WatermarkDocument>(COLLECTIONS.watermarks, { writeConcern });
  const floors = db.collection<FloorDocument>(COLLECTIONS.floors, { writeConcern });

  let live: Collection<StoredEvent> | null = null;
  if (options.liveCollectionBytes > 0) {
    await ensureCapped(db, options.liveCollectionBytes, options.log);
    // The live copy is best effort: acknowledged by the primary is enough.
    live = db.collection<StoredEvent>(COLLECTIONS.live, { writeConcern: { w: 1 } });
    // The window's reads (window-reader.ts): a tenant's consecutive positions. Not unique: the copy is best effort.
    await ensureIndexes(live, [{ key: { tenantId: 1, position: 1 }, name: 'tenant_position' }]);
  }
  return { archive, live, claims, counters, watermarks, floors };
}

const NAMESPACE_EXISTS = 48;

/**
 * One index per createIndexes command: FerretDB v1.24 drops the connection
 * (a server-side panic) when one command lists several indexes that already
 * exist. Creating an existing index with the same spec is a no-op on both.
 */
export async function ensureIndexes<T extends Document>(collection: Collection<T>, indexes: IndexDescription[]) {
  for (const index of indexes) await collection.createIndexes([index]);
}

export async function ensureCollection(db: Db, name: string): Promise<void> {
  try {
    await db.createCollection(name);
  } catch (error) {
    if ((error as { code?: unknown }).code !== NAMESPACE_EXISTS) throw error;
  }
}

async function ensureCapped(db: Db, size: number, log: Logger): Promise<void> {
  try {
    await db.createCollection(COLLECTIONS.live, { capped: true, size });
    return;
  } catch (error) {
    if ((error as { code?: unknown }).code !== NAMESPACE_EXISTS) throw error;
  }
  // Resizing a capped collection means copying it; an operator decides that, not a start-up.
  const [info] = await db.listCollections({ name: COLLECTIONS.live }).toArray();
  const existing = (info as { options?: { capped?: boolean; size?: number } } | undefined)?.options;
  // MongoDB rounds capped sizes up to a multiple of 256 bytes.
  if (!existing?.capped || Math.abs((existing.size ?? 0) - size) >= 256) {
    log.warn(
      { collection: COLLECTIONS.live, existing, wantedBytes: size },
      'live collection differs from the configured size',
    );
  }
}
