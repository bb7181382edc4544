import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * CPU time of other processes (Linux /proc), so a benchmark can say which
 * process its time went to: the hub, or the database server. Where /proc
 * cannot tell (another OS, a remote server, a process gone), CPU is NaN and
 * a pid undefined.
 */

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ; 100 on Linux). */
const TICKS_PER_SECOND = 100;
const LOCAL_HOSTS = ['127.0.0.1', 'localhost', '::1', '[::1]'];

/**
 * User + system CPU milliseconds the process has used so far; NaN when
 * unknown. Resolution 10 ms: read it around runs of seconds, not single requests.
 */
export function processCpuMs(pid: number | undefined): number {
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

/** Measures the CPU milliseconds each process used while `work` ran; processes whose CPU is unknown are left out. */
export async function cpuDuring<T>(pids: Record<string, number | undefined>, work: () => Promise<T>) {
  const before = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, processCpuMs(pid)]));
  const result = await work();
  const cpuMs: Record<string, number> = {};
  for (const [name, pid] of Object.entries(pids)) {
    const used = processCpuMs(pid) - before[name]!;
    if (!Number.isNaN(used)) cpuMs[name] = used;
  }
  return { result, cpuMs };
}

/** The pid of the local process listening on the port of `url` (Redis, the MongoDB-wire server), if it can be found. */
export function listenerPid(url: string): number | undefined {
  try {
    const { hostname, port } = new URL(url);
    if (!LOCAL_HOSTS.includes(hostname) || !port) return undefined;
    const inodes = listeningSockets(Number(port));
    return inodes.size === 0 ? undefined : socketOwner(inodes);
  } catch {
    return undefined; // not Linux, or not allowed to look
  }
}

/** Inodes of the sockets listening on `port`, from /proc/net/tcp and tcp6. */
function listeningSockets(port: number): Set<string> {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
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
  return inodes;
}

/** The process holding one of these socket inodes open, found through the fds in /proc/<pid>/fd. */
function socketOwner(inodes: Set<string>): number | undefined {
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
  return undefined;
}

/**
 * Commands the MongoDB-wire server has run so far, by name, from
 * `serverStatus.metrics.commands` (MongoDB and FerretDB both keep it):
 * diffed around a run, it says how many finds, inserts and updates each
 * event cost on the server.
 */
export async function serverCommands(admin: {
  command(doc: Record<string, unknown>): Promise<Record<string, unknown>>;
}): Promise<Record<string, number>> {
  const status = await admin.command({ serverStatus: 1 });
  const commands = ((status['metrics'] as Record<string, unknown> | undefined)?.['commands'] ?? {}) as Record<
    string,
    { total?: unknown }
  >;
  return Object.fromEntries(Object.entries(commands).map(([name, c]) => [name, Number(c.total ?? 0)]));
}
