import { setTimeout as sleep } from 'node:timers/promises';
import type { HubEvent } from '../../src/events/event.ts';
import { compileFilter } from '../../src/filter/index.ts';
import type { TestHub } from './store-hubs.ts';

/**
 * The tenant's stored events of `types` (null: all), read from the hub's store itself (whole events, as stored),
 * waiting up to a second for at least `count` of them: the hub records its own events in the background.
 * With `count` 0 it waits the whole second, for assertions that nothing (more) gets stored.
 */
export async function storedEvents(
  hub: TestHub,
  tenantId: string,
  types: string[] | null,
  count = 0,
): Promise<HubEvent[]> {
  const filter = compileFilter(types && { types });
  let events: HubEvent[] = [];
  for (let i = 0; i < 50; i++, await sleep(20)) {
    events = (await hub.services.store.query(tenantId, { filter, first: 1000, order: 'ASC' })).events;
    if (count > 0 && events.length >= count) break;
  }
  return events;
}
