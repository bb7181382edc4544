/**
 * The cold tier: events that have aged out of the archive, kept as
 * gzip-compressed NDJSON segments (one line per event in the GraphQL `Event`
 * JSON shape, src/events/event-json.ts), each described by a manifest.
 *
 * A segment holds one tenant's events of one UTC day of `receivedAt`, in
 * position order, with no position of that tenant between its first and last
 * held anywhere else; it is named by its tenant, day and first position, so
 * retention finds the segment an archive event went to without listing.
 *
 * Guarantees every adapter keeps (the filesystem one here; an object store
 * such as S3 keeps them with one object per data file and per manifest, a
 * PUT being atomic and durable when it returns, and LIST by prefix
 * `tenant/day`):
 * - A segment is complete once its manifest can be read, and only then: the
 *   data is durable before the manifest is written, and the manifest is
 *   durable when `write` resolves. A crash part-way leaves no manifest, or
 *   leaves the whole segment.
 * - A complete segment is never replaced: the manifest is created only if
 *   absent (a hard link on a filesystem, `If-None-Match: *` on S3), and the
 *   data it describes is stored under a name holding its digest, so two
 *   writers racing for one key cannot leave one's manifest over the other's
 *   data.
 * - `list` and `manifest` show complete segments only.
 * - `delete` removes the manifest first, so a segment half-deleted is no
 *   longer complete; repeating it finishes the work.
 */
export interface SegmentKey {
  tenantId: string;
  /** The UTC day of the events' `receivedAt`, `YYYY-MM-DD`. */
  day: string;
  firstPosition: number;
}

export const SEGMENT_FORMAT = 'event-json/ndjson+gzip/1';

export interface SegmentManifest extends SegmentKey {
  format: typeof SEGMENT_FORMAT;
  lastPosition: number;
  count: number;
  /** SHA-256 of the compressed bytes, hex. */
  sha256: string;
  /** Size of the compressed bytes. */
  bytes: number;
  /** `receivedAt` of the first and the last event (ISO 8601): the segment's age. */
  firstReceivedAt: string;
  lastReceivedAt: string;
}

export interface DayRange {
  /** First day listed, `YYYY-MM-DD`; unset: from the oldest. */
  fromDay?: string;
  /** Last day listed (inclusive); unset: to the newest. */
  toDay?: string;
  /** Most segments listed: the oldest days' first. Unset: all of them. */
  limit?: number;
}

export interface ColdStore {
  /**
   * Stores a segment unless a complete one has its key (an incomplete one is
   * replaced); resolves once it is complete and durable, with the manifest
   * that is now complete there: this one, or the one that was already.
   */
  write(manifest: SegmentManifest, data: Uint8Array): Promise<SegmentManifest>;
  /** The compressed bytes a manifest describes, or null when there are none. */
  read(manifest: SegmentManifest): Promise<Uint8Array | null>;
  /** The manifest of a complete segment, or null. */
  manifest(key: SegmentKey): Promise<SegmentManifest | null>;
  /** A tenant's complete segments whose day is in the range, by first position. */
  list(tenantId: string, range?: DayRange): Promise<SegmentManifest[]>;
  /** Removes a segment (manifest, then data); nothing happens when it is already gone. */
  delete(key: SegmentKey): Promise<void>;
}

/** The UTC day of an instant, `YYYY-MM-DD`. */
export const utcDay = (at: Date): string => at.toISOString().slice(0, 10);

/** The first instant after a UTC day. */
export const dayEnd = (day: string): Date => new Date(Date.parse(`${day}T00:00:00.000Z`) + 86_400_000);
