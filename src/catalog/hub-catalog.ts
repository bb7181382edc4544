import type { Logger } from '../logger.ts';
import { SYSTEM_TYPE_PREFIX } from '../ingest/reserved.ts';
import { watchCatalogDirectory } from './catalog-directory.ts';
import { compileCatalogFile } from './catalog-file.ts';
import { CODE_CATALOG } from './code-versions.ts';
import { createEventCatalog, type CatalogShape, type EventCatalog } from './event-catalog.ts';

export interface HubCatalogOptions {
  /** The code catalog (handlers/catalog.ts). */
  code: CatalogShape;
  /** HUB_CATALOG_DIR: JSON Schema files `<type>@<version>.json`; unset, code types only. */
  dir?: string | undefined;
  /** HUB_STRICT_TYPES. */
  strict: boolean;
  log: Logger;
}

/**
 * The hub's one event catalog: the code types, and the file types of
 * HUB_CATALOG_DIR kept current as files are added, changed or removed. Throws
 * a ConfigError naming the file when one is bad at start. `close` stops
 * watching the directory.
 */
export async function createHubCatalog({
  code,
  dir,
  strict,
  log,
}: HubCatalogOptions): Promise<{ catalog: EventCatalog; close(): void }> {
  const catalog = createEventCatalog(code, { strict });
  if (dir === undefined) return { catalog, close() {} };
  const directory = await watchCatalogDirectory({
    dir,
    compile: (name, text) => compileCatalogFile(name, text, (type) => refusal(code, type)),
    onChange: (versions) => catalog.useFileVersions(versions),
    log,
  });
  catalog.useFileVersions(directory.current);
  log.info({ dir, files: directory.current.length }, 'catalog files loaded');
  return { catalog, close: () => directory.close() };
}

/**
 * Why a type may not come from a file. A code type is owned by code, every
 * version of it: handlers are typed from the code catalog at compile time, so
 * a version added by a file would reach them with a payload their types do
 * not describe. The hub's own `system.*` events are not checked against the
 * catalog at all, so listing one would promise what is not enforced.
 */
function refusal(code: CatalogShape, type: string): string | null {
  if (Object.hasOwn(code, type))
    return `type "${type}" is defined in code (${CODE_CATALOG}); a file may neither replace nor extend it`;
  if (type.startsWith(SYSTEM_TYPE_PREFIX)) return `"${SYSTEM_TYPE_PREFIX}*" types are the hub's own`;
  return null;
}
