import { badInput, payloadTooLarge } from '../errors.ts';
import type { EventMetadata, HubEvent, PendingEvent } from '../events/event.ts';
import { offsetOf } from '../events/event-time.ts';
import { newEventId } from '../events/ids.ts';
import type { TraceContext } from '../events/trace-context.ts';
import { eventInputSchema, type ParsedEventInput } from './event-input.ts';
import { assertStorableJson } from './json-keys.ts';
import { assertNotReserved } from './reserved.ts';

export interface EventContext {
  /** From the caller's credentials, never from the input. */
  tenantId: string;
  now: Date;
  /** The whole event, serialized as JSON, may not be larger (HUB_MAX_EVENT_BYTES). */
  maxEventBytes: number;
  /** The publishing request's trace context, kept as `metadata.trace`. */
  trace?: TraceContext | undefined;
  /**
   * The source the hub puts on the event instead of the input's (a handler's
   * follow-ups: SYSTEM `handler:<name>`). Without it the input's source is
   * kept and may not be SYSTEM.
   */
  source?: HubEvent['source'] | undefined;
}

/** Validates one publish input and turns it into an event ready to store, or throws a HubError. */
export function toPendingEvent(input: unknown, context: EventContext): PendingEvent {
  const parsed = eventInputSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.map(String);
    throw badInput(`${path.join('.') || 'input'}: ${issue.message}`, path);
  }
  const data = parsed.data;
  const timestampOffset = data.timestamp ? offsetOf(data.timestamp) : 0;
  const source = context.source ?? { type: data.source.type, id: data.source.id };
  assertNotReserved({ type: data.type, source }, context.source !== undefined);
  assertStorableJson(data.payload, ['payload']);
  assertStorableJson(data.metadata?.attributes, ['metadata', 'attributes']);

  const event: PendingEvent = {
    id: newEventId(context.now.getTime()),
    type: data.type,
    version: data.version ?? '1.0',
    tenantId: context.tenantId,
    source,
    // a plain Date, the instant; the offset it was written in beside it (absent for UTC)
    timestamp: data.timestamp ? new Date(data.timestamp.getTime()) : context.now,
    ...(timestampOffset !== 0 && { timestampOffset }),
    receivedAt: context.now,
    ...(data.subject != null && { subject: data.subject }),
    payload: data.payload,
    metadata: { ...toMetadata(data.metadata), ...(context.trace && { trace: context.trace }) },
  };
  const bytes = Buffer.byteLength(JSON.stringify(event));
  if (bytes > context.maxEventBytes) throw payloadTooLarge(bytes, context.maxEventBytes);
  return event;
}

function toMetadata(input: ParsedEventInput['metadata']): EventMetadata {
  if (!input) return {};
  const { correlationId, causationId, idempotencyKey, actor, context, attributes } = input;
  return {
    ...(correlationId != null && { correlationId }),
    ...(causationId != null && { causationId }),
    ...(idempotencyKey != null && { idempotencyKey }),
    ...(actor != null && { actor: { id: actor.id, type: actor.type } }),
    ...(context != null && { context: { type: context.type, ...(context.id != null && { id: context.id }) } }),
    ...(attributes != null && { attributes }),
  };
}
