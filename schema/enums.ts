import { ContextType, SourceType } from '../src/events/event.ts';
import { SortOrder, StatsGroup } from '../src/store/event-store.ts';
import { builder } from './builder.ts';

export const SourceTypeEnum = builder.enumType('SourceType', { values: Object.values(SourceType) });
export const ContextTypeEnum = builder.enumType('ContextType', { values: Object.values(ContextType) });
export const SortOrderEnum = builder.enumType('SortOrder', { values: Object.values(SortOrder) });
export const StatsGroupEnum = builder.enumType('StatsGroup', {
  description: 'TYPE: event type; SOURCE: "SOURCE_TYPE:sourceId"; HOUR and DAY: UTC buckets of `timestamp`.',
  values: Object.values(StatsGroup),
});
