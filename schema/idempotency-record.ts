import { idempotencyRecord, originalEvent, type IdempotencyAnswer } from '../resolvers/idempotency.ts';
import { builder } from './builder.ts';
import { EventRef } from './event.ts';

const IdempotencyRecordRef = builder.objectRef<IdempotencyAnswer>('IdempotencyRecord').implement({
  description: 'What the hub remembers of an idempotency key while its window lasts.',
  fields: (t) => ({
    key: t.exposeString('key'),
    original: t.field({
      type: EventRef,
      nullable: true,
      description: 'The event the key was accepted with; null while its publish is still under way.',
      resolve: (record, _args, ctx) => originalEvent(record, ctx),
    }),
    duplicates: t.exposeInt('duplicates', { description: 'Publishes of the key answered DUPLICATE in this window.' }),
    lastDuplicateAt: t.field({ type: 'DateTime', nullable: true, resolve: (record) => record.lastDuplicateAt }),
    expiresAt: t.field({
      type: 'DateTime',
      description: 'When the key is forgotten and accepted again.',
      resolve: (record) => record.expiresAt,
    }),
  }),
});

builder.queryField('idempotencyRecord', (t) =>
  t.field({
    type: IdempotencyRecordRef,
    nullable: true,
    description:
      'An idempotency key of your tenant while it is remembered (HUB_IDEMPOTENCY_WINDOW_MS), else null (scope query).',
    args: { key: t.arg.string({ required: true }) },
    resolve: (_root, args, ctx) => idempotencyRecord(args.key, ctx),
  }),
);
