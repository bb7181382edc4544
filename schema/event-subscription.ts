import { eventStream, resolveStreamItem } from '../resolvers/event-subscription.ts';
import { SHARED_RESULT, type SharedResult } from '../src/server/shared-selection.ts';
import { builder } from './builder.ts';
import { EventRef } from './event.ts';
import { EventFilterInput } from './event-filter.ts';

builder.subscriptionField('events', (t) =>
  t.field({
    type: EventRef,
    description:
      'Matching events of your tenant as they are stored. With `after` (a position you received), first every ' +
      'stored matching event after it in order, then live: no gap, no duplicate.',
    args: { filter: t.arg({ type: EventFilterInput }), after: t.arg.string() },
    subscribe: (_root, args, ctx) => eventStream(args, ctx),
    resolve: resolveStreamItem,
    // The event is the result; filter and after only choose which events arrive.
    extensions: { [SHARED_RESULT]: 'fromParent' satisfies SharedResult },
  }),
);
