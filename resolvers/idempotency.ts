import { Scope } from '../src/config.ts';
import { badInput } from '../src/errors.ts';
import type { HubEvent } from '../src/events/event.ts';
import { requireScope } from '../src/server/auth.ts';
import type { HubContext } from '../src/server/context.ts';
import type { IdempotencyRecord } from '../src/store/event-store.ts';

/** The longest idempotency key a publish accepts (src/ingest/event-input.ts). */
const MAX_KEY_LENGTH = 256;

export type IdempotencyAnswer = IdempotencyRecord & { tenantId: string };

/** `idempotencyRecord(key)`: the key's record in the caller's tenant while its window lasts, else null. */
export async function idempotencyRecord(key: string, ctx: HubContext): Promise<IdempotencyAnswer | null> {
  const { tenantId } = requireScope(ctx.principal, Scope.QUERY);
  if (key.length > MAX_KEY_LENGTH) throw badInput(`"key" is at most ${MAX_KEY_LENGTH} characters`, ['key']);
  const record = await ctx.services.store.idempotencyRecord(tenantId, key);
  return record && { ...record, tenantId };
}

/** The record's original event; null when it is not (yet) readable, e.g. an ingest still under way. */
export function originalEvent(record: IdempotencyAnswer, ctx: HubContext): Promise<HubEvent | null> {
  return ctx.services.store.get(record.tenantId, record.eventId);
}
