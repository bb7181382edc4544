import type { HubEvent } from '../events/event.ts';
import { dayBucket, hourBucket } from '../events/buckets.ts';
import type { EventStat, StatsGroup } from './event-store.ts';

/** The key an event is counted under; every store must produce the same keys. */
export function groupKey(event: Pick<HubEvent, 'type' | 'source' | 'timestamp'>, groupBy: StatsGroup): string {
  switch (groupBy) {
    case 'TYPE':
      return event.type;
    case 'SOURCE':
      return sourceKey(event.source);
    case 'HOUR':
      return hourBucket(event.timestamp);
    case 'DAY':
      return dayBucket(event.timestamp);
  }
}

export const sourceKey = (source: HubEvent['source']): string => `${source.type}:${source.id}`;

/** Time buckets in time order; types and sources by count, largest first, then by key. */
export function sortStats(stats: EventStat[], groupBy: StatsGroup): EventStat[] {
  const byKey = (a: EventStat, b: EventStat) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
  if (groupBy === 'HOUR' || groupBy === 'DAY') return stats.sort(byKey);
  return stats.sort((a, b) => b.count - a.count || byKey(a, b));
}
