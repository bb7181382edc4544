import type WebSocket from 'ws';
import { createConnectionBudget, type ConnectionBudget } from '../live/connection-budget.ts';
import type { Logger } from '../logger.ts';

export interface SocketLimitsOptions {
  /** Subscription operations one socket may run at once. */
  maxSubscriptions: number;
  /** Bytes one socket may hold unsent. */
  bufferBytes: number;
  log: Logger;
}

/** What one websocket may hold: its subscriptions and its unsent bytes. */
export interface SocketLimits {
  /** Shared by every subscription on the socket; the transport's part is ws's `bufferedAmount`. */
  readonly budget: ConnectionBudget;
  /**
   * Counts subscription `id` in, or answers false when the socket already
   * runs the most it may. `running` is graphql-ws's map of the operations it
   * runs: an id it no longer holds has ended, however it ended, so the count
   * cannot leak.
   */
  admit(id: string, running: Record<string, unknown>): boolean;
  /** Counts `id` out (it completed, or was refused after `admit`). */
  release(id: string): void;
}

/**
 * Per-socket limits, kept beside the socket rather than in graphql-ws's
 * context so that they are there from the first message on.
 */
export function socketLimits({ maxSubscriptions, bufferBytes, log }: SocketLimitsOptions) {
  const bySocket = new WeakMap<WebSocket, SocketLimits>();

  function of(socket: WebSocket): SocketLimits {
    let limits = bySocket.get(socket);
    if (!limits) {
      limits = create(socket);
      bySocket.set(socket, limits);
    }
    return limits;
  }

  function create(socket: WebSocket): SocketLimits {
    const admitted = new Set<string>();
    return {
      budget: createConnectionBudget(bufferBytes, () => socket.bufferedAmount),
      admit(id, running) {
        if (admitted.size >= maxSubscriptions)
          for (const known of admitted) if (!(known in running)) admitted.delete(known);
        if (admitted.size >= maxSubscriptions) return false;
        admitted.add(id);
        return true;
      },
      release: (id) => void admitted.delete(id),
    };
  }

  return {
    of,
    /**
     * A client that keeps sending while it leaves more than the budget unread
     * would make the hub queue an answer per message (refusals, pongs) without
     * end: such a socket is cut off.
     */
    watch(socket: WebSocket): void {
      socket.on('message', () => {
        if (socket.bufferedAmount <= bufferBytes) return;
        log.warn(
          { unsent: socket.bufferedAmount, limit: bufferBytes },
          'websocket sends but does not read; terminated',
        );
        socket.terminate();
      });
    },
  };
}
