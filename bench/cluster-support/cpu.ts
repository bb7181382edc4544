import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ; 100 on Linux). */
const TICKS_PER_SECOND = 100;

/**
 * CPU time (user + system) a process has used so far, in ms, from
 * /proc/<pid>/stat; NaN when it cannot be read (not Linux, process gone).
 * Resolution 10 ms: read it around runs of seconds, not single requests.
 */
export function cpuMs(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (in parentheses, which may hold spaces): utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/** The pid of the process listening on the URL's port on this machine (Redis, FerretDB), via `ss`; undefined when unknown. */
export function listenerPid(url: string): number | undefined {
  try {
    const { port } = new URL(url);
    const out = execFileSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const match = /pid=(\d+)/.exec(out);
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Commands the MongoDB-wire server has run so far, by name, from
 * `serverStatus.metrics.commands` (MongoDB and FerretDB both keep it):
 * diffed around a run, it says how many finds, inserts and updates each
 * event cost on the server.
 */
export async function serverCommands(admin: { command(doc: Record<string, unknown>): Promise<Record<string, unknown>> }): Promise<Record<string, number>> {
  const status = await admin.command({ serverStatus: 1 });
  const commands = ((status['metrics'] as Record<string, unknown> | undefined)?.['commands'] ?? {}) as Record<string, { total?: unknown }>;
  return Object.fromEntries(Object.entries(commands).map(([name, c]) => [name, Number(c.total ?? 0)]));
}
