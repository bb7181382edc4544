import type { EventBus } from '../bus/event-bus.ts';
import { badInput, isHubError, type HubError } from '../errors.ts';
import type { HubEvent, PendingEvent } from '../events/event.ts';
import type { Logger } from '../logger.ts';
import type { EventStore } from '../store/event-store.ts';
import { createEventCatalog, type EventCatalog } from '../catalog/event-catalog.ts';
import { createCausationGuard } from './causation-guard.ts';
import { toPendingEvent } from './to-pending-event.ts';

export type PublishResult =
  | { status: 'ACCEPTED'; event: HubEvent }
  | { status: 'DUPLICATE'; originalEventId: string }
  | { status: 'REJECTED'; error: HubError };

export interface Ingest {
  /**
   * Validates, stores, then publishes a batch for one tenant. One result per
   * input, in input order; an invalid item is REJECTED without stopping the
   * others. Throws only for a batch that is too large or a store that is down.
   */
  publish(tenantId: string, inputs: readonly unknown[]): Promise<PublishResult[]>;
}

export interface IngestOptions {
  store: EventStore;
  bus: EventBus;
  log: Logger;
  maxEventBytes: number;
  maxBatch: number;
  /** Payload schemas of registered types. Default: none, every type is free JSON. */
  catalog?: EventCatalog;
  /** Most ancestors an event may have through causationId. Default 16. */
  maxCausationDepth?: number;
  now?: () => Date;
}

/**
 * Store, then publish: an event reaches the bus only once it is durable, and
 * a bus failure after that is only logged, because subscribers and handlers
 * recover anything the bus dropped from the store by position.
 */
export function createIngest(options: IngestOptions): Ingest {
  const { store, bus, log } = options;
  const now = options.now ?? (() => new Date());
  const catalog = options.catalog ?? createEventCatalog({}, { strict: false });
  const causation = createCausationGuard({ store, maxDepth: options.maxCausationDepth ?? 16 });

  async function publishStored(event: HubEvent): Promise<void> {
    try {
      await bus.publish(event);
    } catch (error) {
      log.warn({ err: error, eventId: event.id }, 'bus publish failed; readers will catch up from the store');
    }
  }

  return {
    async publish(tenantId, inputs) {
      if (inputs.length > options.maxBatch) {
        throw badInput(`a batch may hold at most ${options.maxBatch} events; got ${inputs.length}`, ['input']);
      }
      const receivedAt = now();
      const results: PublishResult[] = new Array(inputs.length);
      const valid: { index: number; event: PendingEvent; depth: number }[] = [];
      for (const [index, input] of inputs.entries()) {
        try {
          const event = toPendingEvent(input, { tenantId, now: receivedAt, maxEventBytes: options.maxEventBytes });
          catalog.checkPayload(event.type, event.version, event.payload);
          valid.push({ index, event, depth: await causation.check(event) });
        } catch (error) {
          if (!isHubError(error)) throw error;
          results[index] = { status: 'REJECTED', error };
        }
      }
      if (valid.length === 0) return results;

      const outcomes = await store.append(valid.map((item) => item.event));
      outcomes.forEach((outcome, i) => {
        const { index } = valid[i]!;
        if (outcome.status === 'FAILED') results[index] = { status: 'REJECTED', error: outcome.error };
        else if (outcome.status === 'DUPLICATE') results[index] = { status: 'DUPLICATE', originalEventId: outcome.originalEventId };
        else {
          results[index] = outcome;
          causation.remember(tenantId, outcome.event.id, valid[i]!.depth);
        }
      });
      // Events this call completed for an interrupted publish were never on the bus; readers drop repeats by position.
      const completed = outcomes.flatMap((o) => (o.status === 'DUPLICATE' && o.completed ? [o.completed] : []));
      for (const result of results) if (result.status === 'ACCEPTED') await publishStored(result.event);
      for (const event of completed) await publishStored(event);
      return results;
    },
  };
}

