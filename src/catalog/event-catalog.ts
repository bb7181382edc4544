import type { z } from 'zod';
import { badInput } from '../errors.ts';
import { codeVersions } from './code-versions.ts';

/**
 * Payload schemas by exact event type, then by version: what publishing a
 * registered type is validated against, and what handlers are typed from.
 *
 *   const catalog = {
 *     'sales.order.placed': { '1.0': z.object({ orderId: z.string(), total: z.number() }) },
 *   } satisfies CatalogShape;
 */
export type CatalogShape = Record<string, Record<string, z.ZodType<Record<string, unknown>>>>;

/** The payload a handler sees for type `T`: the union over the type's versions, or free JSON for an unregistered type. */
export type PayloadOf<C extends CatalogShape, T extends string> = T extends keyof C
  ? { [V in keyof C[T]]: z.output<C[T][V]> }[keyof C[T]]
  : Record<string, unknown>;

/** Where a payload breaks its schema: the path inside the payload and what is wrong there. */
export interface PayloadIssue {
  path: string[];
  message: string;
}

/** One version of one type, from code (zod) or from a file (JSON Schema); both are checked and listed alike. */
export interface CatalogVersion {
  type: string;
  version: string;
  /** The payload's JSON Schema, as served to integrators. */
  schema: Record<string, unknown>;
  /** A sample payload (the schema's `examples[0]`). */
  example?: unknown;
  /** The schema's `description`. */
  description?: string;
  /** `handlers/catalog.ts`, or the file's name: for log lines and refusals. */
  origin: string;
  /** The first place `payload` breaks the schema, or null when it fits. */
  check(payload: Record<string, unknown>): PayloadIssue | null;
}

/** A type as integrators read it (GraphQL `eventTypes`, `GET /catalog`). */
export interface CatalogType {
  name: string;
  description: string | null;
  versions: { version: string; schema: Record<string, unknown>; example: unknown }[];
}

export interface EventCatalog {
  /** Whether `type` has at least one registered version. */
  has(type: string): boolean;
  /**
   * Checks a payload against its type's schema for that version; any payload
   * passes for an unregistered type unless `strict`. Throws BAD_USER_INPUT
   * with the payload path for a mismatch or an unregistered version. The
   * payload is stored as published, so a schema that strips or transforms
   * fields changes nothing.
   */
  checkPayload(type: string, version: string, payload: Record<string, unknown>): void;
  /** Every registered type, by name, its versions oldest first; the same array until the catalog changes. */
  list(): readonly CatalogType[];
  readonly types: readonly string[];
}

/** The catalog the hub builds: its code types, plus the file types it is handed whenever HUB_CATALOG_DIR changes. */
export interface HubEventCatalog extends EventCatalog {
  /** Replaces every file-defined version at once; code versions stay. */
  useFileVersions(versions: readonly CatalogVersion[]): void;
}

export interface EventCatalogOptions {
  /** Refuse types that are not in the catalog (HUB_STRICT_TYPES). */
  strict: boolean;
}

type Index = Map<string, Map<string, CatalogVersion>>;

export function createEventCatalog(shape: CatalogShape, { strict }: EventCatalogOptions): HubEventCatalog {
  const fromCode = codeVersions(shape);
  let index = indexOf(fromCode);
  let listing = listingOf(index);
  return {
    has: (type) => index.has(type),
    get types() {
      return [...index.keys()];
    },
    list: () => listing,
    useFileVersions(versions) {
      // one swap, so a publish checks against either the old catalog or the new one, never half of each
      index = indexOf([...fromCode, ...versions]);
      listing = listingOf(index);
    },
    checkPayload(type, version, payload) {
      const versions = index.get(type);
      if (!versions) {
        if (strict)
          throw badInput(`type "${type}" is not in the event catalog, and this hub accepts only catalog types`, [
            'type',
          ]);
        return;
      }
      const entry = versions.get(version);
      if (!entry) {
        throw badInput(`type "${type}" has no version "${version}"; registered: ${[...versions.keys()].join(', ')}`, [
          'version',
        ]);
      }
      const issue = entry.check(payload);
      if (!issue) return;
      const path = ['payload', ...issue.path];
      throw badInput(`${path.join('.')}: ${issue.message}`, path);
    },
  };
}

/** Versions in natural order (1.2 before 1.10), types by name. */
const byVersion = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

function indexOf(versions: readonly CatalogVersion[]): Index {
  const index: Index = new Map();
  const sorted = [...versions].sort((a, b) => a.type.localeCompare(b.type) || byVersion(a.version, b.version));
  for (const entry of sorted) {
    let byType = index.get(entry.type);
    if (!byType) {
      byType = new Map();
      index.set(entry.type, byType);
    }
    byType.set(entry.version, entry);
  }
  return index;
}

function listingOf(index: Index): CatalogType[] {
  return [...index].map(([name, versions]) => {
    const entries = [...versions.values()];
    return {
      name,
      // the newest version's word on what the type is
      description: entries.findLast((entry) => entry.description !== undefined)?.description ?? null,
      versions: entries.map(({ version, schema, example }) => ({ version, schema, example: example ?? null })),
    };
  });
}
