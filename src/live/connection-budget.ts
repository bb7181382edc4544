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
  /** A subscription on this connection, ended when it overflows. */
  join(member: BudgetMember): void;
  /** The subscription ended: it no longer hears of overflows. */
  leave(member: BudgetMember): void;
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
  return new Budget(limit, unsent);
}

/** A class: one per connection, its methods shared rather than closures per socket. */
class Budget implements ConnectionBudget {
  private held = 0;
  private readonly members = new Set<BudgetMember>();

  readonly limit: number;
  private readonly unsent: () => number;

  constructor(limit: number, unsent: () => number) {
    this.limit = limit;
    this.unsent = unsent;
  }

  fits(bytes: number): boolean {
    return this.unsent() + this.held + bytes <= this.limit;
  }

  take(bytes: number): boolean {
    if (this.fits(bytes)) {
      this.held += bytes;
      return true;
    }
    for (const member of [...this.members]) member.overflow();
    return false;
  }

  give(bytes: number): void {
    this.held = Math.max(0, this.held - bytes);
  }

  join(member: BudgetMember): void {
    this.members.add(member);
  }

  leave(member: BudgetMember): void {
    this.members.delete(member);
  }
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
