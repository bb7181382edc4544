import { setTimeout as sleep } from 'node:timers/promises';
import { cpuDuring } from '../support/cpu.ts';
import { spawnHubProcess } from '../../test/support/hub-process.ts';
import { BENCH_HUB } from '../support/hub.ts';

/** Server CPU milliseconds per second while `ms` pass with no query from this process. */
export async function serverCpuPerSecond(serverPid: number | undefined, ms: number): Promise<number | undefined> {
  const used = (await cpuDuring({ server: serverPid }, () => sleep(ms))).cpuMs['server'];
  return used === undefined ? undefined : (used * 1000) / ms;
}

/**
 * What the hub, exactly as main starts it and asked nothing, makes the server
 * do on this archive (handler lines polling the store, for instance): server
 * CPU per second without the hub, then with an idle hub after it has settled in.
 */
export async function backgroundLoad(serverPid: number | undefined, env: Record<string, string>) {
  const withoutHub = await serverCpuPerSecond(serverPid, 3000);
  const hub = await spawnHubProcess({ ...BENCH_HUB, inheritEnv: true, env });
  try {
    await sleep(2000);
    return { withoutHub, withIdleHub: await serverCpuPerSecond(serverPid, 5000) };
  } finally {
    await hub.stop();
  }
}

/** Waits (up to `maxMs`) until the server is nearly idle, so the first measured queries do not share it with start-up work. */
export async function settle(serverPid: number | undefined, maxMs = 60_000): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < maxMs) {
    const perSecond = await serverCpuPerSecond(serverPid, 1000);
    if (perSecond === undefined || perSecond < 100) break;
  }
  return Date.now() - started;
}
