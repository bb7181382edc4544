import type { z } from 'zod';
import { badInput } from '../errors.ts';

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
  readonly types: readonly string[];
}

export interface EventCatalogOptions {
  /** Refuse types that are not in the catalog (HUB_STRICT_TYPES). */
  strict: boolean;
}

export function createEventCatalog(shape: CatalogShape, { strict }: EventCatalogOptions): EventCatalog {
  const types = Object.keys(shape);
  return {
    has: (type) => Object.hasOwn(shape, type),
    types,
    checkPayload(type, version, payload) {
      if (!Object.hasOwn(shape, type)) {
        if (strict) throw badInput(`type "${type}" is not in the event catalog, and this hub accepts only catalog types`, ['type']);
        return;
      }
      const versions = shape[type]!;
      const schema = Object.hasOwn(versions, version) ? versions[version] : undefined;
      if (!schema) {
        throw badInput(`type "${type}" has no version "${version}"; registered: ${Object.keys(versions).join(', ')}`, ['version']);
      }
      const parsed = schema.safeParse(payload);
      if (parsed.success) return;
      const issue = parsed.error.issues[0]!;
      const path = ['payload', ...issue.path.map(String)];
      throw badInput(`${path.join('.')}: ${issue.message}`, path);
    },
  };
}
