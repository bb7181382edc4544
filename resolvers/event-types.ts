import type { CatalogType } from '../src/catalog/event-catalog.ts';
import { Scope } from '../src/config.ts';
import { requireScope } from '../src/server/auth.ts';
import type { HubContext } from '../src/server/context.ts';

/** The event catalog (code and HUB_CATALOG_DIR types), the same for every tenant; scope query, as GET /catalog. */
export function eventTypes(ctx: HubContext): readonly CatalogType[] {
  requireScope(ctx.principal, Scope.QUERY);
  return ctx.services.catalog.list();
}
