import { previewFilter, type FilterPreview } from '../resolvers/preview.ts';
import { builder } from './builder.ts';
import { EventRef } from './event.ts';
import { EventFilterInput } from './event-filter.ts';

const FilterPreviewRef = builder.objectRef<FilterPreview>('FilterPreview').implement({
  description: 'What a filter selects now: a bounded count and the first matching events.',
  fields: (t) => ({
    count: t.exposeInt('count', { description: 'Matching events, at most HUB_PREVIEW_LIMIT.' }),
    capped: t.exposeBoolean('capped', {
      description: 'More events match than HUB_PREVIEW_LIMIT: `count` is that limit.',
    }),
    samples: t.field({
      type: [EventRef],
      description: 'The first matching events in position order, the order a replay takes them.',
      resolve: (p) => p.samples,
    }),
  }),
});

builder.queryField('previewFilter', (t) =>
  t.field({
    type: FilterPreviewRef,
    description:
      'What a filter selects, e.g. before starting a replay with it (scope query): counted up to HUB_PREVIEW_LIMIT, with up to `samples` (at most 100) of the first matching events. A read: no job, no audit event.',
    args: { filter: t.arg({ type: EventFilterInput, required: true }), samples: t.arg.int({ defaultValue: 10 }) },
    resolve: (_root, args, ctx) => previewFilter(args, ctx),
  }),
);
