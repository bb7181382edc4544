import { Scope } from '../src/config.ts';
import type { PublishResult } from '../src/ingest/ingest.ts';
import { requireScope } from '../src/server/auth.ts';
import type { HubContext } from '../src/server/context.ts';

/**
 * A single publish answers bad input with a coded GraphQL error, like every
 * other failure; a batch answers per item so one bad event cannot sink the rest.
 * Both are limited by the caller's key (RATE_LIMITED: the whole request, nothing stored).
 */
export async function publishEvent(input: unknown, ctx: HubContext): Promise<PublishResult> {
  const principal = requireScope(ctx.principal, Scope.PUBLISH);
  const [result] = await ctx.services.ingest.publish(principal.tenantId, [input], { by: principal, trace: ctx.trace });
  if (result!.status === 'REJECTED') throw result!.error;
  return result!;
}

export async function publishEvents(inputs: readonly unknown[], ctx: HubContext): Promise<PublishResult[]> {
  const principal = requireScope(ctx.principal, Scope.PUBLISH);
  return ctx.services.ingest.publish(principal.tenantId, inputs, { by: principal, trace: ctx.trace });
}
