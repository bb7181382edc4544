import { setTimeout as sleep } from 'node:timers/promises';

export interface TokenBucket {
  /** Most tokens one `take` may ask for: the bucket's size. */
  readonly capacity: number;
  /**
   * Waits until `count` tokens (at most `capacity`) are there and takes
   * them; callers are served in the order they asked. False when `signal`
   * aborted first (nothing taken).
   */
  take(count: number, signal?: AbortSignal): Promise<boolean>;
}

export interface TokenBucketOptions {
  /** Tokens added per second. */
  ratePerSecond: number;
  /** Bucket size: the largest burst. Default a tenth of a second's worth, at least 1. */
  capacity?: number;
  now?: () => number;
}

/**
 * Paces work at a steady rate with short bursts (replays at HUB_REPLAY_RATE
 * events/s, shared by every job of the process, so live traffic keeps its
 * latency however many jobs run).
 */
export function createTokenBucket(options: TokenBucketOptions): TokenBucket {
  const now = options.now ?? (() => performance.now());
  const rate = options.ratePerSecond;
  const capacity = Math.max(1, Math.floor(options.capacity ?? rate / 10));
  let tokens = capacity;
  let last = now();
  let queue: Promise<unknown> = Promise.resolve();

  const refill = () => {
    const at = now();
    tokens = Math.min(capacity, tokens + ((at - last) * rate) / 1000);
    last = at;
  };

  async function takeInTurn(count: number, signal: AbortSignal | undefined): Promise<boolean> {
    for (;;) {
      if (signal?.aborted) return false;
      refill();
      if (tokens >= count) {
        tokens -= count;
        return true;
      }
      const waitMs = Math.ceil(((count - tokens) * 1000) / rate);
      try {
        await sleep(Math.max(1, waitMs), undefined, signal ? { signal } : {});
      } catch {
        return false;
      }
    }
  }

  return {
    capacity,
    take(count, signal) {
      const wanted = Math.min(Math.max(1, count), capacity);
      const turn = queue.then(() => takeInTurn(wanted, signal));
      queue = turn.catch(() => false);
      if (!signal) return turn;
      // Leave the queue at once on abort; the turn, when it comes, sees the signal and takes nothing.
      return new Promise<boolean>((resolve) => {
        const onAbort = () => resolve(false);
        signal.addEventListener('abort', onAbort, { once: true });
        void turn.then((taken) => {
          signal.removeEventListener('abort', onAbort);
          resolve(taken);
        });
      });
    },
  };
}
