import { publishEvent, publishEvents } from '../resolvers/publish.ts';
import type { PublishResult } from '../src/ingest/ingest.ts';
import { builder } from './builder.ts';
import { ContextTypeEnum, SourceTypeEnum } from './enums.ts';
import { EventRef } from './event.ts';

const EventSourceInput = builder.inputType('EventSourceInput', {
  fields: (t) => ({ type: t.field({ type: SourceTypeEnum, required: true }), id: t.string({ required: true }) }),
});
const ActorInput = builder.inputType('ActorInput', {
  fields: (t) => ({ id: t.string({ required: true }), type: t.string({ required: true }) }),
});
const EventContextInput = builder.inputType('EventContextInput', {
  fields: (t) => ({ type: t.field({ type: ContextTypeEnum, required: true }), id: t.string() }),
});
const EventMetadataInput = builder.inputType('EventMetadataInput', {
  fields: (t) => ({
    correlationId: t.string(),
    causationId: t.string(),
    idempotencyKey: t.string({
      description:
        'Publishing the same key again within HUB_IDEMPOTENCY_WINDOW_MS (24 h by default) answers DUPLICATE.',
    }),
    actor: t.field({ type: ActorInput }),
    context: t.field({ type: EventContextInput }),
    attributes: t.field({ type: 'JSON' }),
  }),
});

const PublishEventInput = builder.inputType('PublishEventInput', {
  fields: (t) => ({
    type: t.string({ required: true, description: 'domain.entity.action: 2-6 lowercase segments.' }),
    version: t.string({ defaultValue: '1.0' }),
    source: t.field({ type: EventSourceInput, required: true }),
    timestamp: t.field({ type: 'DateTime', description: 'When it happened; defaults to now.' }),
    subject: t.string(),
    payload: t.field({
      type: 'JSON',
      required: true,
      description: 'A JSON object; the whole event is limited to HUB_MAX_EVENT_BYTES.',
    }),
    metadata: t.field({ type: EventMetadataInput }),
  }),
});

const PublishStatusEnum = builder.enumType('PublishStatus', { values: ['ACCEPTED', 'DUPLICATE', 'REJECTED'] as const });

const PublishErrorRef = builder
  .objectRef<{ code: string; message: string; path: readonly string[] | undefined }>('PublishError')
  .implement({
    fields: (t) => ({
      code: t.exposeString('code'),
      message: t.exposeString('message'),
      path: t.stringList({ nullable: true, resolve: (e) => (e.path ? [...e.path] : null) }),
    }),
  });

const PublishResultRef = builder.objectRef<PublishResult>('PublishResult').implement({
  fields: (t) => ({
    status: t.field({ type: PublishStatusEnum, resolve: (r) => r.status }),
    event: t.field({ type: EventRef, nullable: true, resolve: (r) => (r.status === 'ACCEPTED' ? r.event : null) }),
    originalEventId: t.id({ nullable: true, resolve: (r) => (r.status === 'DUPLICATE' ? r.originalEventId : null) }),
    error: t.field({
      type: PublishErrorRef,
      nullable: true,
      // a plain object: graphql-js treats an Error returned by a resolver as a failure of the field
      resolve: (r) =>
        r.status === 'REJECTED' ? { code: r.error.code, message: r.error.message, path: r.error.inputPath } : null,
    }),
  }),
});

builder.mutationFields((t) => ({
  publishEvent: t.field({
    type: PublishResultRef,
    description:
      'Stores and fans out one event. Invalid input is a GraphQL error with extensions.code; over the publish rate limit, RATE_LIMITED with extensions.retryAfterMs, and nothing is stored.',
    args: { input: t.arg({ type: PublishEventInput, required: true }) },
    resolve: (_root, args, ctx) => publishEvent(args.input, ctx),
  }),
  publishEvents: t.field({
    type: [PublishResultRef],
    description:
      'Stores a batch (at most HUB_MAX_BATCH events): one result per input, in input order. Counts one per event against the publish rate limit; a batch that does not fit is refused whole with RATE_LIMITED.',
    args: { input: t.arg({ type: [PublishEventInput], required: true }) },
    resolve: (_root, args, ctx) => publishEvents(args.input, ctx),
  }),
}));
