import { z } from 'zod';
import type { CatalogShape, CatalogVersion } from './event-catalog.ts';

/** Where code types are defined, as refusals and logs name it. */
export const CODE_CATALOG = 'handlers/catalog.ts';

/**
 * The code catalog's versions: checked with their zod schema, as always, and
 * listed with the JSON Schema zod derives from it (`z.toJSONSchema`, what a
 * publisher may send: `io: 'input'`). A schema's `.meta({ description,
 * examples })` gives the version its description and example.
 */
export function codeVersions(shape: CatalogShape): CatalogVersion[] {
  return Object.entries(shape).flatMap(([type, versions]) =>
    Object.entries(versions).map(([version, schema]): CatalogVersion => {
      // unrepresentable parts (a transform, a date) become `{}`: the listing is documentation, zod still checks them
      const jsonSchema = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
      return {
        type,
        version,
        schema: jsonSchema,
        ...annotationsOf(jsonSchema),
        origin: CODE_CATALOG,
        check(payload) {
          const parsed = schema.safeParse(payload);
          if (parsed.success) return null;
          const issue = parsed.error.issues[0]!;
          return { path: issue.path.map(String), message: issue.message };
        },
      };
    }),
  );
}

/** A JSON Schema's `description` and first example, as a catalog version shows them. */
export function annotationsOf(schema: Record<string, unknown>): Pick<CatalogVersion, 'description' | 'example'> {
  const { description, examples } = schema;
  return {
    ...(typeof description === 'string' && { description }),
    ...(Array.isArray(examples) && examples.length > 0 && { example: examples[0] as unknown }),
  };
}
