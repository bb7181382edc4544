import { Agent, request } from 'node:http';
import type { Child } from './ipc.ts';
import type { Progress } from './load-generator.ts';

/**
 * Publishing against delivery: the runner publishes events while the frames
 * still on their way stay under a window of `window` events' worth, with at
 * most `concurrency` publishes in flight, and the load generators report how
 * many frames arrived (every 10 ms, and once when the expected total is in).
 * So the server always has work queued, but no subscriber falls so far behind
 * that the hub would end it as a slow consumer (it allows 1,000 events).
 */
export class Delivery {
  private readonly totals = new Map<string, number>();
  private readonly doneAt = new Map<string, number>();
  private wakers = new Set<() => void>();
  private lastChange = performance.now();

  private readonly groups: readonly { generator: Child; group: string; target: number }[];

  constructor(groups: readonly { generator: Child; group: string; target: number }[]) {
    this.groups = groups;
  }

  get received(): number {
    let sum = 0;
    for (const total of this.totals.values()) sum += total;
    return sum;
  }

  /** Starts counting: every group's counters are reset and watched up to its target. */
  async start(): Promise<void> {
    this.totals.clear();
    this.doneAt.clear();
    const generators = new Set(this.groups.map((g) => g.generator));
    for (const generator of generators) {
      generator.onNote((note) => {
        const progress = note as Progress;
        this.totals.set(progress.group, progress.total);
        if (progress.doneAt !== undefined) this.doneAt.set(progress.group, progress.doneAt);
        this.lastChange = performance.now();
        const wakers = [...this.wakers];
        this.wakers.clear();
        for (const wake of wakers) wake();
      });
    }
    for (const { generator, group, target } of this.groups) {
      await generator.call('reset', { group });
      await generator.call('watch', { group, target });
    }
  }

  /** Resolves at the next progress note (or after `ms`). */
  changed(ms = 50): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.wakers.add(wake);
    });
  }

  /**
   * Waits until every group reached its target; returns when the last frame
   * arrived (performance.timeOrigin-based ms, as the generators measure it).
   * Fails when nothing arrived for `stallMs`.
   */
  async finished(stallMs = 15_000): Promise<number> {
    this.lastChange = performance.now();
    while (this.doneAt.size < this.groups.length) {
      await this.changed(200);
      if (performance.now() - this.lastChange > stallMs) {
        const expected = this.groups.reduce((sum, g) => sum + g.target, 0);
        throw new Error(
          `delivery stalled: ${this.received} of ${expected} frames after ${stallMs / 1000} s without progress`,
        );
      }
    }
    return Math.max(...this.doneAt.values());
  }
}

export interface DriveOptions {
  events: number;
  framesPerEvent: number;
  /** Events published ahead of what has been delivered. */
  window: number;
  /** Publishes in flight at once. */
  concurrency: number;
  delivery: Delivery;
  /** Publishes event `i`; resolves with its position. */
  publish(i: number): Promise<number>;
}

/** Publishes `events` events under the window; resolves with when the first went out and every position, in publish order. */
export async function drive(options: DriveOptions): Promise<{ startedAt: number; positions: number[] }> {
  const { events, framesPerEvent, window, delivery } = options;
  const positions: number[] = new Array(events).fill(-1);
  let next = 0;
  const startedAt = performance.timeOrigin + performance.now();
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= events) return;
      while (i - delivery.received / framesPerEvent >= window) await delivery.changed();
      positions[i] = await options.publish(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, events) }, worker));
  return { startedAt, positions };
}

/**
 * Keep-alive connections for publishing. Idle ones are dropped after 2 s, before a server's own
 * keep-alive timeout (Node's default is 5 s) can close one under a new request; and every socket
 * gets an error listener of its own, so that a reset on an idle socket (no request to report it to)
 * cannot end the runner. An error during a request still fails that request.
 */
class PublishAgent extends Agent {
  override createConnection(...args: Parameters<Agent['createConnection']>): ReturnType<Agent['createConnection']> {
    const socket = super.createConnection(...args);
    socket?.on('error', () => {});
    return socket;
  }
}
const agent = new PublishAgent({ keepAlive: true, maxSockets: 16, timeout: 2000 });

/** POSTs a JSON body over a keep-alive connection; resolves with the parsed answer (non-2xx fails). */
export function postJson<T>(url: string, body: string, headers: Record<string, string>): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if ((res.statusCode ?? 0) >= 300)
            return reject(new Error(`${url} answered ${res.statusCode}: ${text.slice(0, 500)}`));
          try {
            resolve(JSON.parse(text) as T);
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
          }
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The position of a `publishEvent` answer that must be ACCEPTED. */
export function acceptedPosition(answer: unknown): number {
  const result = (answer as { data?: { publishEvent?: { status?: string; event?: { position?: string } } } }).data
    ?.publishEvent;
  if (result?.status !== 'ACCEPTED' || result.event?.position === undefined)
    throw new Error(`publish not accepted: ${JSON.stringify(answer).slice(0, 500)}`);
  return Number(result.event.position);
}

/** Polls `read` until it returns `want`; fails after `ms`. */
export async function until(what: string, read: () => Promise<number>, want: number, ms = 120_000): Promise<void> {
  const started = performance.now();
  for (let value = await read(); value !== want; value = await read()) {
    if (performance.now() - started > ms) throw new Error(`${what}: ${value}, waited for ${want} for ${ms / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
