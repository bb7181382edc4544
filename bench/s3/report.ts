import { median, spread, thousands } from '../support/stats.ts';

export type ServerKind = 'hub' | 'raw';

export interface Sample {
  round: number;
  kind: ServerKind;
  subscribers: number;
  /** Frames counted at the clients ÷ time from the first publish to the last frame. */
  framesPerSecond: number;
  /** Server CPU time (all threads) per delivered frame, µs: what it would deliver with a core to itself is 1e6 ÷ this. */
  cpuMicrosPerFrame: number;
  /** (RSS with the subscribers connected − RSS before) ÷ subscribers, in KB (1,000 bytes). */
  rssPerConnectionKB: number;
  heapPerConnectionKB: number;
  /** CPU time ÷ wall time during the timed run, as a share of one core. */
  serverCpu: number;
  /** Runnable but waiting for a CPU (other work on the machine), same unit. */
  serverWait: number;
  loadCpu: number;
}

/** The goals of the issue: hub ≥ 0.6× the raw server's frames/s, ≤ 30 KB RSS per connection. */
export const GOALS = { ratio: 0.6, rssKB: 30 } as const;

/** Per subscriber count: medians per server, the hub/raw ratio (of medians, and per round), RSS per connection. */
export function report(samples: readonly Sample[]) {
  const counts = [...new Set(samples.map((s) => s.subscribers))].sort((a, b) => a - b);
  const of = (kind: ServerKind, n: number) => samples.filter((s) => s.kind === kind && s.subscribers === n);
  const lines = [
    '| subscribers | hub frames/s | raw frames/s | hub/raw (of medians) | per-round min–max | goal ≥ 0.6 |',
    '|---:|---:|---:|---:|---:|---|',
  ];
  const data: Record<string, unknown> = {};
  for (const n of counts) {
    const hub = median(of('hub', n).map((s) => s.framesPerSecond));
    const raw = median(of('raw', n).map((s) => s.framesPerSecond));
    const perRound = roundRatios(samples, n);
    const ratio = hub / raw;
    lines.push(
      `| ${thousands(n)} | ${thousands(hub)} | ${thousands(raw)} | ${ratio.toFixed(3)} | ${spread(perRound)} | ${ratio >= GOALS.ratio ? 'met' : 'NOT met'} |`,
    );
    data[`framesPerSecond.${n}`] = { hub, raw, ratio, perRound };
  }
  lines.push(
    '',
    "CPU per frame (the server's CPU time ÷ frames; less sensitive than frames/s to how much CPU the machine leaves each process):",
    '',
    '| subscribers | hub µs/frame | raw µs/frame | raw/hub (of medians) | per-round min–max |',
    '|---:|---:|---:|---:|---:|',
  );
  for (const n of counts) {
    const hub = median(of('hub', n).map((s) => s.cpuMicrosPerFrame));
    const raw = median(of('raw', n).map((s) => s.cpuMicrosPerFrame));
    const perRound = roundRatios(samples, n, 'cpuMicrosPerFrame').map((r) => 1 / r);
    lines.push(
      `| ${thousands(n)} | ${hub.toFixed(1)} | ${raw.toFixed(1)} | ${(raw / hub).toFixed(3)} | ${spread(perRound)} |`,
    );
    data[`cpuMicrosPerFrame.${n}`] = { hub, raw, ratio: raw / hub, perRound };
  }
  lines.push(
    '',
    '| subscribers | hub RSS/conn KB (min–max) | raw RSS/conn KB (min–max) | hub heap/conn KB | goal ≤ 30 KB |',
    '|---:|---:|---:|---:|---|',
  );
  for (const n of counts) {
    const hub = of('hub', n).map((s) => s.rssPerConnectionKB);
    const raw = of('raw', n).map((s) => s.rssPerConnectionKB);
    const heap = median(of('hub', n).map((s) => s.heapPerConnectionKB));
    const m = median(hub);
    lines.push(
      `| ${thousands(n)} | ${m.toFixed(1)} (${spread(hub, 1)}) | ${median(raw).toFixed(1)} (${spread(raw, 1)}) | ${heap.toFixed(1)} | ${m <= GOALS.rssKB ? 'met' : 'NOT met'} |`,
    );
    data[`rssPerConnectionKB.${n}`] = { hub: m, raw: median(raw), hubHeap: heap };
  }
  lines.push(
    '',
    "Medians, as shares of the timed runs' wall time (one core = 100 %):",
    '',
    '| subscribers | server on CPU (hub / raw) | server waiting for a CPU (hub / raw) | load generators on CPU (hub / raw) |',
    '|---:|---:|---:|---:|',
  );
  for (const n of counts) {
    const pct = (kind: ServerKind, key: 'serverCpu' | 'serverWait' | 'loadCpu') =>
      `${(median(of(kind, n).map((s) => s[key])) * 100).toFixed(0)} %`;
    lines.push(
      `| ${thousands(n)} | ${pct('hub', 'serverCpu')} / ${pct('raw', 'serverCpu')} | ${pct('hub', 'serverWait')} / ${pct('raw', 'serverWait')} | ${pct('hub', 'loadCpu')} / ${pct('raw', 'loadCpu')} |`,
    );
  }
  return { text: lines.join('\n'), data };
}

/** hub ÷ raw per round, of `key`. */
function roundRatios(
  samples: readonly Sample[],
  n: number,
  key: 'framesPerSecond' | 'cpuMicrosPerFrame' = 'framesPerSecond',
): number[] {
  const byRound = new Map<number, Partial<Record<ServerKind, number>>>();
  for (const s of samples) if (s.subscribers === n) byRound.set(s.round, { ...byRound.get(s.round), [s.kind]: s[key] });
  return [...byRound.values()].filter((r) => r.hub && r.raw).map((r) => r.hub! / r.raw!);
}
