import type { HubEvent } from '../../src/events/event.ts';
import { toPendingEvent } from '../../src/ingest/to-pending-event.ts';
import { BENCH_TENANT, eventInput } from '../cluster-support/workload.ts';

/**
 * What travels. Every event carries `run`, `seq` and `sentAt` (µs on the
 * machine-wide monotonic clock, see cluster-support/clock.ts) in its payload,
 * so the receiving process measures latency on the sender's clock.
 */
export interface Stamp {
  run: number;
  seq: number;
  sentAt: number;
}

/** The publishEvent input of the hub sides: S1's event with the stamp in its payload. */
export const hubInput = (stamp: Stamp) => eventInput({ ...stamp });

/**
 * A stored event as the hub's Redis bus carries it (JSON of the HubEvent,
 * the hub's own serializer), built once through the hub's own validation.
 */
const TEMPLATE: HubEvent = {
  ...toPendingEvent(hubInput({ run: 1, seq: 1, sentAt: 1 }), {
    tenantId: BENCH_TENANT,
    now: new Date(),
    maxEventBytes: 1_048_576,
  }),
  position: 1,
};

/**
 * The raw side's message: the bytes the hub publishes on Redis for the same
 * event (same fields, same payload, the stamp and position changed), so both
 * sides move a message of the same size. run.ts prints both sizes.
 */
export function rawMessage(stamp: Stamp): string {
  return JSON.stringify({ ...TEMPLATE, payload: { ...TEMPLATE.payload, ...stamp }, position: stamp.seq + 1 });
}

/** Reads the stamp from a received event's payload (hub) or message (raw). */
export function stampOf(payload: Record<string, unknown>): Stamp {
  return { run: payload['run'] as number, seq: payload['seq'] as number, sentAt: payload['sentAt'] as number };
}
