import { caused, causedBy, correlation } from '../resolvers/causation.ts';
import { SHARED_RESULT, type SharedResult } from '../src/server/shared-selection.ts';
import { builder } from './builder.ts';
import { EventRef } from './event.ts';
import { EventConnectionRef } from './events-query.ts';

/** Both read the caller's tenant and scopes: a subscription selecting them is executed per subscriber. */
const perSubscriber = { [SHARED_RESULT]: 'perSubscriber' satisfies SharedResult };

builder.objectFields(EventRef, (t) => ({
  causedBy: t.field({
    type: EventRef,
    nullable: true,
    description: 'The event named by `metadata.causationId` (scope query); null when there is none in your tenant.',
    extensions: perSubscriber,
    resolve: (event, _args, ctx) => causedBy(event, ctx),
  }),
  caused: t.field({
    type: EventConnectionRef,
    description:
      "The events whose `causationId` is this event (its effects, e.g. a handler's follow-ups), in position order (scope query). A query may ask for it on at most 100 events.",
    extensions: perSubscriber,
    args: { first: t.arg.int({ defaultValue: 50 }), after: t.arg.string() },
    resolve: (event, args, ctx, info) => caused(event, args, ctx, info),
  }),
}));

builder.queryField('correlation', (t) =>
  t.field({
    type: EventConnectionRef,
    description:
      'Every event of your tenant with this `metadata.correlationId`, in position order; `after` is a cursor from a previous page.',
    args: { id: t.arg.string({ required: true }), first: t.arg.int({ defaultValue: 50 }), after: t.arg.string() },
    resolve: (_root, args, ctx) => correlation(args, ctx),
  }),
);
