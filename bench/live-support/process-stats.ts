import { readFileSync } from 'node:fs';

/** What a server process under test reports about itself over IPC. */
export interface ProcessStats {
  rss: number;
  heapUsed: number;
  external: number;
  /** process.cpuUsage(): user and system microseconds since the process started. */
  cpu: { user: number; system: number };
  /**
   * From /proc/self/schedstat: nanoseconds on a CPU and waiting for one
   * (runnable but not running: other work on the machine). Zero where missing.
   */
  sched: { runNs: number; waitNs: number };
  /** Live subscriptions (hub, Apollo) or open sockets (raw server). */
  subscriptions: number;
}

export function processStats({ subscriptions }: { subscriptions: number }): ProcessStats {
  const memory = process.memoryUsage();
  return {
    rss: memory.rss,
    heapUsed: memory.heapUsed,
    external: memory.external,
    cpu: process.cpuUsage(),
    sched: schedstat(),
    subscriptions,
  };
}

export function schedstat(): ProcessStats['sched'] {
  try {
    const [runNs = 0, waitNs = 0] = readFileSync('/proc/self/schedstat', 'utf8').trim().split(/\s+/).map(Number);
    return { runNs, waitNs };
  } catch {
    return { runNs: 0, waitNs: 0 };
  }
}

/** CPU microseconds between two readings. */
export const cpuMicros = (from: ProcessStats['cpu'], to: ProcessStats['cpu']): number =>
  to.user - from.user + (to.system - from.system);

/**
 * A process's stats once garbage is gone: full collections (its `gc`
 * command, so the child runs with --expose-gc) until RSS stops falling.
 * Memory per connection is the difference of two such readings.
 */
export async function settledStats(call: <T>(cmd: string) => Promise<T>): Promise<ProcessStats> {
  let last = await call<ProcessStats>('stats');
  for (let i = 0; i < 5; i++) {
    await call('gc');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const now = await call<ProcessStats>('stats');
    if (now.rss >= last.rss - 64 * 1024) return now;
    last = now;
  }
  return last;
}
