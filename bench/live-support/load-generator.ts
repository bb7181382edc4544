import { serveCalls, sendNote } from './ipc.ts';
import { WireSocket } from './ws-wire.ts';

/**
 * Child process entry: many subscriber connections that only count frames.
 * Each connection belongs to a named group (one per server under test) and
 * has an expected message prefix: a frame that starts with it counts, and
 * the position right after `"position":"` must be higher than the last one
 * that connection saw; anything else is a bad frame, kept as a sample. In
 * `graphql-ws` mode a connection speaks graphql-transport-ws (connection_init
 * with the authorization, then one `subscribe` with id "1" once acked); in
 * `raw` mode it just listens. See ../s3/run.ts and ../s4/run.ts.
 */
export interface ConnectionSpec {
  /** graphql-ws only: the subscription's variables. */
  variables?: Record<string, unknown>;
  /** What every counted frame starts with (the bytes up to and including something that identifies it). */
  prefix: string;
}

export interface OpenArgs {
  group: string;
  url: string;
  mode: 'graphql-ws' | 'raw';
  /** graphql-ws only. */
  authorization?: string;
  query?: string;
  specs: ConnectionSpec[];
  /** Upgrades in flight at once. */
  concurrency?: number;
}

export interface Expectation {
  /** Frames per connection (one number for all, or one per connection in spec order). */
  count: number | number[];
  /** Position of the first and of the last frame, where known (−1: not checked). */
  first?: number | number[];
  last?: number | number[];
}

export interface CheckResult {
  total: number;
  problemCount: number;
  /** The first few problems, readable. */
  problems: string[];
}

export interface Progress {
  group: string;
  total: number;
  /** When the frame that reached the watched target arrived (performance.timeOrigin + now, ms). */
  doneAt?: number;
}

const POSITION_MARK = Buffer.from('"position":"');
const ACK = Buffer.from('{"type":"connection_ack"');
const PING = Buffer.from('{"type":"ping"');
const SUBSCRIBE_ID = '1';
const now = () => performance.timeOrigin + performance.now();

class Connection {
  wire: WireSocket | null = null;
  count = 0;
  bad = 0;
  firstPos = -1;
  lastPos = -1;
  outOfOrder = 0;
  sample: string | null = null;
  closedWith: string | null = null;
  readonly prefixEndsWithMark: boolean;

  readonly group: Group;
  readonly index: number;
  readonly prefix: Buffer;

  constructor(group: Group, index: number, prefix: Buffer) {
    this.group = group;
    this.index = index;
    this.prefix = prefix;
    this.prefixEndsWithMark =
      prefix.length >= POSITION_MARK.length &&
      prefix.subarray(prefix.length - POSITION_MARK.length).equals(POSITION_MARK);
  }

  /** A frame after the subscription started. */
  frame(buf: Buffer, start: number, end: number): void {
    const prefix = this.prefix;
    if (end - start >= prefix.length && buf.compare(prefix, 0, prefix.length, start, start + prefix.length) === 0) {
      let at = this.prefixEndsWithMark ? start + prefix.length : buf.indexOf(POSITION_MARK, start + prefix.length);
      if (!this.prefixEndsWithMark && at >= 0) at += POSITION_MARK.length;
      let position = 0;
      if (at >= 0 && at < end) {
        for (let c = buf[at]!; c >= 48 && c <= 57; c = buf[++at]!) position = position * 10 + (c - 48);
      } else position = -1;
      if (position <= this.lastPos) this.outOfOrder += 1;
      if (this.count === 0) this.firstPos = position;
      this.lastPos = position;
      this.count += 1;
      const group = this.group;
      if (++group.total === group.target) group.doneAt = now();
      return;
    }
    if (end - start >= PING.length && buf.compare(PING, 0, PING.length, start, start + PING.length) === 0) {
      this.wire?.sendText('{"type":"pong"}');
      return;
    }
    this.bad += 1;
    this.sample ??= buf.toString('utf8', start, Math.min(end, start + 400));
  }
}

interface Group {
  connections: Connection[];
  total: number;
  target: number;
  doneAt: number | undefined;
  timer: NodeJS.Timeout | null;
}

const groups = new Map<string, Group>();
const groupOf = (name: string): Group => {
  const group = groups.get(name);
  if (!group) throw new Error(`no group ${name}`);
  return group;
};

async function open(args: OpenArgs): Promise<{ opened: number; seconds: number }> {
  const started = performance.now();
  const url = new URL(args.url);
  let group = groups.get(args.group);
  if (!group) {
    group = { connections: [], total: 0, target: -1, doneAt: undefined, timer: null };
    groups.set(args.group, group);
  }
  const base = group.connections.length;
  const connections = args.specs.map((spec, i) => new Connection(group, base + i, Buffer.from(spec.prefix)));
  group.connections.push(...connections);

  const openOne = async (connection: Connection, spec: ConnectionSpec) => {
    let acked: (() => void) | null = null;
    let failed: ((error: Error) => void) | null = null;
    const ready = new Promise<void>((resolve, reject) => {
      acked = resolve;
      failed = reject;
    });
    ready.catch(() => {}); // raw connections never wait for it; a late close is recorded in `closedWith`
    let live = args.mode === 'raw';
    const wire = await WireSocket.open(url, args.mode === 'graphql-ws' ? 'graphql-transport-ws' : null, {
      onMessage(buf, start, end) {
        if (live) return connection.frame(buf, start, end);
        if (end - start >= ACK.length && buf.compare(ACK, 0, ACK.length, start, start + ACK.length) === 0) {
          live = true;
          wire.sendText(
            JSON.stringify({
              id: SUBSCRIBE_ID,
              type: 'subscribe',
              payload: { query: args.query, variables: spec.variables ?? {} },
            }),
          );
          acked!();
        } else connection.frame(buf, start, end);
      },
      onClose(reason) {
        connection.closedWith = reason;
        failed!(new Error(`connection ${connection.index} closed before it was acknowledged: ${reason}`));
      },
    });
    connection.wire = wire;
    if (args.mode === 'graphql-ws') {
      wire.sendText(JSON.stringify({ type: 'connection_init', payload: { authorization: args.authorization } }));
      await ready;
    }
  };

  // A fixed number of upgrades in flight: thousands at once would only queue in the server's backlog.
  let next = 0;
  const worker = async () => {
    while (next < connections.length) {
      const i = next++;
      await openOne(connections[i]!, args.specs[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(args.concurrency ?? 50, connections.length) }, worker));
  return { opened: connections.length, seconds: (performance.now() - started) / 1000 };
}

function reset({ group }: { group: string }): void {
  const g = groupOf(group);
  g.total = 0;
  g.target = -1;
  g.doneAt = undefined;
  for (const c of g.connections) {
    c.count = 0;
    c.bad = 0;
    c.firstPos = -1;
    c.lastPos = -1;
    c.outOfOrder = 0;
    c.sample = null;
  }
}

/** Notes every 10 ms while the group's total changes, and a last one with `doneAt` once it reaches `target`. */
function watch({ group, target }: { group: string; target: number }): void {
  const g = groupOf(group);
  g.target = target;
  if (g.total >= target) g.doneAt ??= now();
  let reported = -1;
  if (g.timer) clearInterval(g.timer);
  const tick = () => {
    if (g.total === reported) return;
    reported = g.total;
    const done = g.doneAt !== undefined;
    sendNote({ group, total: g.total, ...(g.doneAt !== undefined && { doneAt: g.doneAt }) } satisfies Progress);
    if (done && g.timer) {
      clearInterval(g.timer);
      g.timer = null;
    }
  };
  g.timer = setInterval(tick, 10);
  tick();
}

function check({ group, expect }: { group: string; expect: Expectation }): CheckResult {
  const g = groupOf(group);
  const at = (value: number | number[] | undefined, i: number) =>
    value === undefined ? -1 : typeof value === 'number' ? value : (value[i] ?? -1);
  const problems: string[] = [];
  let problemCount = 0;
  const problem = (text: string) => {
    problemCount += 1;
    if (problems.length < 8) problems.push(text);
  };
  if (Array.isArray(expect.count) && expect.count.length !== g.connections.length) {
    problem(`expected counts for ${expect.count.length} connections, the group has ${g.connections.length}`);
  }
  g.connections.forEach((c, i) => {
    const count = at(expect.count, i);
    const first = at(expect.first, i);
    const last = at(expect.last, i);
    if (c.closedWith) problem(`connection ${i} closed: ${c.closedWith}`);
    if (c.bad > 0) problem(`connection ${i}: ${c.bad} unexpected frames, first: ${c.sample}`);
    if (c.count !== count) problem(`connection ${i}: ${c.count} frames, expected ${count}`);
    if (c.outOfOrder > 0) problem(`connection ${i}: ${c.outOfOrder} frames not above the previous position`);
    if (c.count > 0 && first >= 0 && c.firstPos !== first)
      problem(`connection ${i}: first position ${c.firstPos}, expected ${first}`);
    if (c.count > 0 && last >= 0 && c.lastPos !== last)
      problem(`connection ${i}: last position ${c.lastPos}, expected ${last}`);
  });
  return { total: g.total, problemCount, problems };
}

function close({ group }: { group: string }): number {
  const g = groups.get(group);
  if (!g) return 0;
  if (g.timer) clearInterval(g.timer);
  for (const c of g.connections) c.wire?.destroy();
  groups.delete(group);
  return g.connections.length;
}

serveCalls(
  {
    open: (args: OpenArgs) => open(args),
    reset,
    watch,
    check,
    close,
    /** How many connections of the group are still up. */
    alive: ({ group }: { group: string }) => groupOf(group).connections.filter((c) => c.closedWith === null).length,
    cpu: () => process.cpuUsage(),
  },
  { pid: process.pid },
);
