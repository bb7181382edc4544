import { eventById, eventsPage, type EventEdge } from '../resolvers/events.ts';
import { builder } from './builder.ts';
import { SortOrderEnum } from './enums.ts';
import { EventRef } from './event.ts';
import { EventFilterInput } from './event-filter.ts';

export const PageInfoRef = builder.objectRef<{ hasNextPage: boolean; endCursor: string | null }>('PageInfo').implement({
  fields: (t) => ({
    hasNextPage: t.exposeBoolean('hasNextPage'),
    endCursor: t.exposeString('endCursor', { nullable: true }),
  }),
});

const EventEdgeRef = builder.objectRef<EventEdge>('EventEdge').implement({
  fields: (t) => ({ cursor: t.exposeString('cursor'), node: t.field({ type: EventRef, resolve: (e) => e.node }) }),
});

export const EventConnectionRef = builder
  .objectRef<{ edges: EventEdge[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } }>('EventConnection')
  .implement({
    fields: (t) => ({
      edges: t.field({ type: [EventEdgeRef], resolve: (c) => c.edges }),
      pageInfo: t.field({ type: PageInfoRef, resolve: (c) => c.pageInfo }),
    }),
  });

builder.queryFields((t) => ({
  event: t.field({
    type: EventRef,
    nullable: true,
    description: "One event of the caller's tenant by id.",
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => eventById(String(args.id), ctx),
  }),
  events: t.field({
    type: EventConnectionRef,
    description: 'Search the archive. Ordered by position; `after` is a cursor from a previous page.',
    args: {
      filter: t.arg({ type: EventFilterInput }),
      first: t.arg.int({ defaultValue: 50 }),
      after: t.arg.string(),
      order: t.arg({ type: SortOrderEnum, defaultValue: 'DESC' }),
    },
    resolve: (_root, args, ctx) => eventsPage(args, ctx),
  }),
}));
