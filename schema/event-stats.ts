import { eventStats } from '../resolvers/events.ts';
import type { EventStat } from '../src/store/event-store.ts';
import { builder } from './builder.ts';
import { StatsGroupEnum } from './enums.ts';
import { EventFilterInput } from './event-filter.ts';

const EventStatRef = builder.objectRef<EventStat>('EventStat').implement({
  fields: (t) => ({ key: t.exposeString('key'), count: t.exposeInt('count') }),
});

builder.queryField('eventStats', (t) =>
  t.field({
    type: [EventStatRef],
    description:
      'Counts of matching events per group: TYPE and SOURCE by count (largest first), HOUR and DAY in time order.',
    args: { filter: t.arg({ type: EventFilterInput }), groupBy: t.arg({ type: StatsGroupEnum, required: true }) },
    resolve: (_root, args, ctx) => eventStats(args, ctx),
  }),
);
