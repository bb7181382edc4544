import type { EventMetadata, HubEvent } from '../src/events/event.ts';
import { OffsetDate } from '../src/events/event-time.ts';
import { encodePosition } from '../src/events/position.ts';
import { SHARED_RESULT, type SharedResult } from '../src/server/shared-selection.ts';
import { builder } from './builder.ts';
import { ContextTypeEnum, SourceTypeEnum } from './enums.ts';

/**
 * Every field of the types below resolves from the event alone, so one
 * execution serves every subscriber of a subscription (shared-selection.ts).
 * A field that reads the context (masking per user, a scope check) must not
 * live on these types unless it is marked otherwise itself.
 */
const fromEvent = { [SHARED_RESULT]: 'fromParentAndArguments' satisfies SharedResult };

const EventSourceRef = builder.objectRef<HubEvent['source']>('EventSource').implement({
  extensions: fromEvent,
  fields: (t) => ({
    type: t.expose('type', { type: SourceTypeEnum }),
    id: t.exposeString('id'),
  }),
});

const ActorRef = builder.objectRef<NonNullable<EventMetadata['actor']>>('Actor').implement({
  extensions: fromEvent,
  fields: (t) => ({ id: t.exposeString('id'), type: t.exposeString('type') }),
});

const EventContextRef = builder.objectRef<NonNullable<EventMetadata['context']>>('EventContext').implement({
  extensions: fromEvent,
  fields: (t) => ({
    type: t.expose('type', { type: ContextTypeEnum }),
    id: t.string({ nullable: true, resolve: (context) => context.id ?? null }),
  }),
});

const ReplayMarkerRef = builder.objectRef<NonNullable<EventMetadata['replay']>>('ReplayMarker').implement({
  extensions: fromEvent,
  fields: (t) => ({ jobId: t.exposeID('jobId'), originalEventId: t.exposeID('originalEventId') }),
});

const TraceContextRef = builder.objectRef<NonNullable<EventMetadata['trace']>>('TraceContext').implement({
  description: 'The W3C trace context of the request that published the event (or of the event whose handler did).',
  extensions: fromEvent,
  fields: (t) => ({
    traceparent: t.exposeString('traceparent'),
    traceId: t.exposeString('traceId'),
    tracestate: t.string({ nullable: true, resolve: (trace) => trace.tracestate ?? null }),
  }),
});

const optionalString = (pick: (m: EventMetadata) => string | undefined) => (m: EventMetadata) => pick(m) ?? null;

const EventMetadataRef = builder.objectRef<EventMetadata>('EventMetadata').implement({
  extensions: fromEvent,
  fields: (t) => ({
    correlationId: t.string({ nullable: true, resolve: optionalString((m) => m.correlationId) }),
    causationId: t.string({ nullable: true, resolve: optionalString((m) => m.causationId) }),
    idempotencyKey: t.string({ nullable: true, resolve: optionalString((m) => m.idempotencyKey) }),
    actor: t.field({ type: ActorRef, nullable: true, resolve: (m) => m.actor ?? null }),
    context: t.field({ type: EventContextRef, nullable: true, resolve: (m) => m.context ?? null }),
    attributes: t.field({ type: 'JSON', nullable: true, resolve: (m) => m.attributes ?? null }),
    replay: t.field({ type: ReplayMarkerRef, nullable: true, resolve: (m) => m.replay ?? null }),
    trace: t.field({ type: TraceContextRef, nullable: true, resolve: (m) => m.trace ?? null }),
  }),
});

export const EventRef = builder.objectRef<HubEvent>('Event').implement({
  description: 'A stored event: what an integration published, with the id, position and receivedAt the hub gave it.',
  extensions: fromEvent,
  fields: (t) => ({
    id: t.exposeID('id'),
    type: t.exposeString('type'),
    version: t.exposeString('version'),
    tenantId: t.exposeString('tenantId'),
    source: t.field({ type: EventSourceRef, resolve: (e) => e.source }),
    timestamp: t.field({
      type: 'DateTime',
      description:
        'When it happened, in the offset it was published with; ordering, `from`/`to` and stats use the instant.',
      resolve: (e) => new OffsetDate(e.timestamp.getTime(), e.timestampOffset ?? 0),
    }),
    receivedAt: t.field({ type: 'DateTime', resolve: (e) => e.receivedAt }),
    subject: t.string({ nullable: true, resolve: (e) => e.subject ?? null }),
    payload: t.field({ type: 'JSON', resolve: (e) => e.payload }),
    metadata: t.field({ type: EventMetadataRef, resolve: (e) => e.metadata }),
    position: t.string({
      description: 'Opaque and increasing per tenant: a cursor for `events(after:)` and `Subscription.events(after:)`.',
      resolve: (e) => encodePosition(e.position),
    }),
  }),
});
