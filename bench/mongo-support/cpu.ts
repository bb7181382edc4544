import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * CPU time of other processes (Linux /proc), so a benchmark can say which
 * process its time went to: the hub, or the database server. Everything here
 * returns undefined where /proc cannot tell (another OS, a remote server).
 */

/** Clock ticks per second of /proc/<pid>/stat; 100 on every Linux this runs on. */
const TICKS_PER_SECOND = 100;

/** User + system CPU milliseconds the process has used so far. */
export function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** The pid of the local process listening on the port of `url` (the MongoDB-wire server), if it can be found. */
export function listeningPid(url: string): number | undefined {
  try {
    const { hostname, port } = new URL(url);
    if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(hostname) || !port) return undefined;
    const hexPort = Number(port).toString(16).toUpperCase().padStart(4, '0');
    const inodes = new Set<string>();
    for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
      let text = '';
      try {
        text = readFileSync(table, 'utf8');
      } catch {
        continue;
      }
      for (const line of text.split('\n').slice(1)) {
        const cols = line.trim().split(/\s+/);
        // local address, state 0A = LISTEN, inode
        if (cols[1]?.endsWith(`:${hexPort}`) && cols[3] === '0A' && cols[9]) inodes.add(cols[9]);
      }
    }
    if (inodes.size === 0) return undefined;
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      let fds: string[];
      try {
        fds = readdirSync(`/proc/${entry}/fd`);
      } catch {
        continue;
      }
      for (const fd of fds) {
        try {
          const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${entry}/fd/${fd}`));
          if (match && inodes.has(match[1]!)) return Number(entry);
        } catch {
          // the fd closed meanwhile
        }
      }
    }
  } catch {
    // not Linux, or not allowed to look
  }
  return undefined;
}

/** Measures the CPU milliseconds each process used while `work` ran. */
export async function cpuDuring<T>(pids: Record<string, number | undefined>, work: () => Promise<T>) {
  const before = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, processCpuMs(pid)]));
  const result = await work();
  const cpuMs: Record<string, number> = {};
  for (const [name, pid] of Object.entries(pids)) {
    const start = before[name];
    const end = processCpuMs(pid);
    if (start !== undefined && end !== undefined) cpuMs[name] = end - start;
  }
  return { result, cpuMs };
}
