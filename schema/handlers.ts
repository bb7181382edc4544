import type { DeadLetter } from '../src/handlers/handler-store.ts';
import { deadLettersPage, handlerStatuses, redriveDeadLetters } from '../resolvers/handlers.ts';
import { builder } from './builder.ts';
import { EventRef } from './event.ts';
import { EventFilterInput } from './event-filter.ts';
import { PageInfoRef } from './events-query.ts';

const HandlerStatusRef = builder
  .objectRef<{
    name: string;
    eventTypes: readonly string[];
    priority: number;
    processed: number;
    failed: number;
    lag: number;
  }>('HandlerStatus')
  .implement({
    description: "A handler's progress in your tenant.",
    fields: (t) => ({
      name: t.exposeString('name'),
      eventTypes: t.stringList({ resolve: (s) => [...s.eventTypes] }),
      priority: t.exposeInt('priority'),
      processed: t.exposeInt('processed', { description: 'Events handled successfully, redriven ones included.' }),
      failed: t.exposeInt('failed', { description: 'Events given up on: each is a dead letter until redriven.' }),
      lag: t.exposeInt('lag', { description: 'Positions of your tenant the handler has not reached yet.' }),
    }),
  });

export const DeliveryErrorRef = builder.objectRef<DeadLetter['error']>('DeliveryError').implement({
  fields: (t) => ({
    message: t.exposeString('message'),
    code: t.exposeString('code', {
      description: 'A hub error code, HANDLER_TIMEOUT, or HANDLER_ERROR for anything the handler threw.',
    }),
    attempts: t.exposeInt('attempts'),
    lastAttempt: t.field({ type: 'DateTime', resolve: (e) => e.lastAttempt }),
  }),
});

const DeadLetterRef = builder.objectRef<DeadLetter>('DeadLetter').implement({
  description: 'An event a handler gave up on after its last attempt.',
  fields: (t) => ({
    id: t.exposeID('id'),
    event: t.field({ type: EventRef, resolve: (d) => d.event }),
    handler: t.exposeString('handler'),
    error: t.field({ type: DeliveryErrorRef, resolve: (d) => d.error }),
    deadAt: t.field({ type: 'DateTime', resolve: (d) => d.deadAt }),
  }),
});

const DeadLetterEdgeRef = builder.objectRef<{ cursor: string; node: DeadLetter }>('DeadLetterEdge').implement({
  fields: (t) => ({ cursor: t.exposeString('cursor'), node: t.field({ type: DeadLetterRef, resolve: (e) => e.node }) }),
});

const DeadLetterConnectionRef = builder
  .objectRef<{
    edges: { cursor: string; node: DeadLetter }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  }>('DeadLetterConnection')
  .implement({
    fields: (t) => ({
      edges: t.field({ type: [DeadLetterEdgeRef], resolve: (c) => c.edges }),
      pageInfo: t.field({ type: PageInfoRef, resolve: (c) => c.pageInfo }),
    }),
  });

builder.queryFields((t) => ({
  handlers: t.field({
    type: [HandlerStatusRef],
    description: "The hub's typed handlers and their progress in your tenant.",
    resolve: (_root, _args, ctx) => handlerStatuses(ctx),
  }),
  deadLetters: t.field({
    type: DeadLetterConnectionRef,
    description:
      'Events handlers gave up on, newest first; the filter applies to the events. Dead letters being redriven are included.',
    args: { filter: t.arg({ type: EventFilterInput }), first: t.arg.int({ defaultValue: 50 }), after: t.arg.string() },
    resolve: (_root, args, ctx) => deadLettersPage(args, ctx),
  }),
}));

builder.mutationFields((t) => ({
  redriveDeadLetters: t.int({
    description:
      'Queues dead letters to be handled again by their handler (scope replay); returns how many were queued.',
    args: { ids: t.arg.idList({ required: true }) },
    resolve: (_root, args, ctx) => redriveDeadLetters(args.ids.map(String), ctx),
  }),
}));
