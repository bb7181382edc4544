import type { HubEvent } from '../events/event.ts';

/**
 * The bytes one connection (a websocket, or an SSE response) may hold on the
 * way to its client, shared by all the subscriptions on it: what its transport
 * has not flushed yet, plus the events its subscriptions have queued or handed
 * to the transport and not yet seen written. A client that stops reading runs
 * it out, and then every subscription on the connection ends with
 * SLOW_CONSUMER. Without it, each subscription keeps its own frame and queue,
 * so one stalled socket with many subscriptions holds many times an event.
 */
export interface ConnectionBudget {
  /** The limit in bytes (HUB_SOCKET_BUFFER_BYTES). */
  readonly limit: number;
  /** Whether `bytes` more still fit; nothing is taken. */
  fits(bytes: number): boolean;
  /**
   * Takes `bytes` for an event a subscription holds until its frame is
   * written. When they do not fit, nothing is taken, every member is told to
   * end (`overflow`) and the answer is false.
   */
  take(bytes: number): boolean;
  /** Gives back what `take` took. */
  give(bytes: number): void;
  /** A subscription on this connection, ended when it overflows; returns the unregistration. */
  join(member: BudgetMember): () => void;
}

export interface BudgetMember {
  /** Ends the subscription with SLOW_CONSUMER; called once per overflow, synchronously. */
  overflow(): void;
}

/**
 * `unsent` reads what the transport holds (ws `bufferedAmount`, a response's
 * `writableLength`): O(1), so checking costs nothing per frame.
 */
export function createConnectionBudget(limit: number, unsent: () => number): ConnectionBudget {
  let held = 0;
  const members = new Set<BudgetMember>();
  const fits = (bytes: number) => unsent() + held + bytes <= limit;
  return {
    limit,
    fits,
    take(bytes) {
      if (fits(bytes)) {
        held += bytes;
        return true;
      }
      for (const member of [...members]) member.overflow();
      return false;
    },
    give(bytes) {
      held = Math.max(0, held - bytes);
    },
    join(member) {
      members.add(member);
      return () => members.delete(member);
    },
  };
}

const sizes = new WeakMap<HubEvent, number>();

/**
 * About the bytes an event's frame takes: its JSON length (characters; the
 * payload is most of a frame). Measured once per event object, which every
 * live subscriber of this process shares, so the cost is per event, not per
 * subscriber.
 */
export function eventBytes(event: HubEvent): number {
  let size = sizes.get(event);
  if (size === undefined) {
    size = JSON.stringify(event).length;
    sizes.set(event, size);
  }
  return size;
}
