import { Scope } from '../src/config.ts';
import type { HubEvent } from '../src/events/event.ts';
import type { EventProcessing } from '../src/handlers/processing-trail.ts';
import { requireScope } from '../src/server/auth.ts';
import type { HubContext } from '../src/server/context.ts';

interface Waiting {
  event: HubEvent;
  resolve(processing: EventProcessing[]): void;
  reject(error: unknown): void;
}

/** Events looked up at a time: a page is at most HUB_MAX_PAGE_SIZE, but aliases may ask for several. */
const CHUNK = 1000;

/** Per request (context), per tenant: the events whose `processing` was asked for in this tick. */
const batches = new WeakMap<HubContext, Map<string, Waiting[]>>();

/**
 * `Event.processing`, batched DataLoader-style: every event of a page asks
 * within one tick, and the whole batch costs one lookup in the caller's
 * tenant. Nothing is cached beyond the batch, so a long-lived context (a
 * subscription) sees fresh outcomes on every event.
 */
export function eventProcessing(event: HubEvent, ctx: HubContext): Promise<EventProcessing[]> {
  const { tenantId } = requireScope(ctx.principal, Scope.QUERY);
  let byTenant = batches.get(ctx);
  if (!byTenant) {
    byTenant = new Map();
    batches.set(ctx, byTenant);
  }
  let batch = byTenant.get(tenantId);
  if (!batch) {
    const started: Waiting[] = [];
    batch = started;
    const tenants = byTenant;
    byTenant.set(tenantId, batch);
    // As DataLoader does: after the promise jobs of this tick, so the sibling resolvers of a list have all asked.
    void Promise.resolve().then(() =>
      process.nextTick(() => {
        tenants.delete(tenantId);
        void dispatch(tenantId, started, ctx);
      }),
    );
  }
  return new Promise((resolve, reject) => batch.push({ event, resolve, reject }));
}

async function dispatch(tenantId: string, batch: Waiting[], ctx: HubContext): Promise<void> {
  for (let from = 0; from < batch.length; from += CHUNK) {
    const chunk = batch.slice(from, from + CHUNK);
    try {
      const answers = await ctx.services.handlers.processing(
        tenantId,
        chunk.map((w) => w.event),
      );
      chunk.forEach((waiting, i) => {
        waiting.resolve(answers[i] ?? []);
      });
    } catch (error) {
      for (const waiting of chunk) waiting.reject(error);
    }
  }
}
