import type { EventProcessing } from '../src/handlers/processing-trail.ts';
import { SHARED_RESULT, type SharedResult } from '../src/server/shared-selection.ts';
import { eventProcessing } from '../resolvers/processing.ts';
import { builder } from './builder.ts';
import { EventRef } from './event.ts';
import { DeliveryErrorRef } from './handlers.ts';

const HandlerOutcomeStatusEnum = builder.enumType('HandlerOutcomeStatus', {
  description:
    'HANDLED: succeeded; FAILED: failed, to be tried again; DEAD_LETTERED: given up on; PENDING: not tried yet.',
  values: ['HANDLED', 'FAILED', 'DEAD_LETTERED', 'PENDING'] as const,
});

export const HandlerOutcomeRef = builder.objectRef<EventProcessing>('HandlerOutcome').implement({
  description: 'What one handler did with one event: the processing trail.',
  fields: (t) => ({
    handler: t.exposeString('handler'),
    status: t.field({ type: HandlerOutcomeStatusEnum, resolve: (o) => o.status }),
    attempts: t.exposeInt('attempts', { description: "Attempts so far, a redrive's added to the earlier ones." }),
    firstAttemptAt: t.field({ type: 'DateTime', nullable: true, resolve: (o) => o.firstAttemptAt }),
    lastAttemptAt: t.field({ type: 'DateTime', nullable: true, resolve: (o) => o.lastAttemptAt }),
    durationMs: t.int({ nullable: true, description: 'How long the last attempt ran.', resolve: (o) => o.durationMs }),
    followUps: t.idList({
      description: 'Ids of the follow-up events the last attempt published (at most 100).',
      resolve: (o) => o.followUps,
    }),
    error: t.field({
      type: DeliveryErrorRef,
      nullable: true,
      description: "The last attempt's failure; null once handled.",
      resolve: (o) => o.error,
    }),
  }),
});

builder.objectField(EventRef, 'processing', (t) =>
  t.field({
    type: [HandlerOutcomeRef],
    description:
      "What each of this hub's handlers matching the event did with it (scope query). A handler whose line passed the event before the trail was recorded is left out.",
    // Reads the caller's tenant and scopes: a subscription selecting it is executed per subscriber.
    extensions: { [SHARED_RESULT]: 'perSubscriber' satisfies SharedResult },
    resolve: (event, _args, ctx) => eventProcessing(event, ctx),
  }),
);
