import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { compileFilter } from '../filter/index.ts';
import type { HubHandler } from './handler.ts';

const NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

const handlerShape = z.object({
  name: z.string().regex(NAME, 'must be 1-64 characters: lowercase letters, digits, ".", "_" or "-"'),
  eventTypes: z.array(z.string()).min(1, 'must list at least one type pattern'),
  priority: z.number().int().optional(),
  timeoutMs: z.number().int().positive().optional(),
  shadows: z
    .string()
    .regex(NAME, 'must name a handler (1-64 characters: lowercase letters, digits, ".", "_" or "-")')
    .optional(),
  handle: z.custom<HubHandler['handle']>(
    (value) => typeof value === 'function',
    'must be a function (event, ctx) => Promise<void>',
  ),
});

export class HandlerModuleError extends Error {
  override readonly name = 'HandlerModuleError';
}

/**
 * Checks one handler object, wherever it comes from: a clear error naming
 * `origin` for anything the runtime could not run. Type patterns are checked
 * by the filter compiler, so they mean exactly what they mean in `types`.
 */
export function checkHandler(value: unknown, origin: string): HubHandler {
  const parsed = handlerShape.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new HandlerModuleError(`${origin}: ${issue.path.join('.') || 'handler'} ${issue.message}`);
  }
  try {
    compileFilter({ types: parsed.data.eventTypes }, { path: ['eventTypes'] });
  } catch (error) {
    throw new HandlerModuleError(`${origin}: ${(error as Error).message}`);
  }
  return { ...parsed.data, priority: parsed.data.priority ?? 0 } as HubHandler;
}

/**
 * Loads HUB_HANDLER_MODULES: absolute paths of ES modules whose default
 * export is a handler `{ name, eventTypes, priority?, timeoutMs?, shadows?, handle }`
 * or an array of them. Fails on the first module that is missing or invalid,
 * on two handlers with one name (built-in ones included), and on a `shadows`
 * that names no live handler.
 */
export async function loadHandlerModules(
  paths: readonly string[],
  builtIn: readonly HubHandler[],
): Promise<HubHandler[]> {
  const loaded: HubHandler[] = [];
  for (const path of paths) {
    if (!isAbsolute(path)) throw new HandlerModuleError(`HUB_HANDLER_MODULES: "${path}" is not an absolute path`);
    let module: { default?: unknown };
    try {
      module = (await import(pathToFileURL(path).href)) as { default?: unknown };
    } catch (error) {
      throw new HandlerModuleError(`HUB_HANDLER_MODULES: cannot load ${path}: ${(error as Error).message}`);
    }
    if (module.default === undefined)
      throw new HandlerModuleError(`${path}: has no default export (a handler or an array of handlers)`);
    const exported = Array.isArray(module.default) ? module.default : [module.default];
    if (exported.length === 0) throw new HandlerModuleError(`${path}: exports an empty array of handlers`);
    exported.forEach((value, i) => {
      loaded.push(checkHandler(value, Array.isArray(module.default) ? `${path} [${i}]` : path));
    });
  }
  const all = [...builtIn, ...loaded];
  const seen = new Set<string>();
  for (const handler of all) {
    if (seen.has(handler.name))
      throw new HandlerModuleError(`two handlers are named "${handler.name}"; handler names must be unique`);
    seen.add(handler.name);
  }
  checkShadows(all);
  return all;
}

/**
 * A shadow must name a loaded live handler: its SHADOW replays compare with that handler's trail,
 * which a missing handler, itself or another shadow (never run live) would not have.
 */
export function checkShadows(handlers: readonly HubHandler[]): void {
  const byName = new Map(handlers.map((handler) => [handler.name, handler]));
  for (const { name, shadows } of handlers) {
    if (shadows === undefined) continue;
    const shadowed = byName.get(shadows);
    if (!shadowed)
      throw new HandlerModuleError(
        `handler "${name}" shadows "${shadows}", which is not loaded; shadows must name a loaded handler`,
      );
    if (shadowed.shadows !== undefined || shadowed === byName.get(name)) {
      throw new HandlerModuleError(
        `handler "${name}" shadows "${shadows}", which does not run live; shadows must name a live handler`,
      );
    }
  }
}
