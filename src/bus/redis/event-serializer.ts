import type { HubEvent } from '../../events/event.ts';

/**
 * How an event travels as a Redis message. Every instance on a channel must
 * use the same one. `deserialize(serialize(e))` must deep-equal `e`, Dates
 * included; it may throw on a message it cannot read (the bus logs and drops it).
 */
export interface EventSerializer {
  serialize(event: HubEvent): string;
  deserialize(message: string): HubEvent;
}

type WireEvent = Omit<HubEvent, 'timestamp' | 'receivedAt'> & { timestamp: string; receivedAt: string };

/**
 * JSON, with the two top-level Date fields turned back into Dates. Not a
 * reviver: a reviver sees every key at every depth, and would turn a payload's
 * own `timestamp` string into a Date.
 */
export const jsonEventSerializer: EventSerializer = {
  serialize: (event) => JSON.stringify(event),
  deserialize(message) {
    const wire = JSON.parse(message) as WireEvent;
    if (typeof wire !== 'object' || wire === null || typeof wire.id !== 'string') {
      throw new TypeError('not a serialized HubEvent');
    }
    return { ...wire, timestamp: new Date(wire.timestamp), receivedAt: new Date(wire.receivedAt) };
  },
};
