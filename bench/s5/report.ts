import { median, quantile, spread, thousands } from '../support/stats.ts';
import type { Side } from './sides.ts';

export interface ThroughputSample {
  round: number;
  side: Side;
  /** Events received ÷ (last receive − first send). */
  perSecond: number;
  events: number;
  /** CPU ms per event of each process on the path. */
  cpuPerEvent: Record<string, number>;
  /** Commands per event on the MongoDB-wire server (paths through the MongoDB store). */
  commandsPerEvent?: Record<string, number>;
}

export interface LatencySample {
  round: number;
  side: Side;
  perSecond: number;
  /** Send → receive, ms, every event of the run. */
  latencyMs: number[];
  /** Send → acknowledgement, ms. */
  ackMs: number[];
  /**
   * The publisher's acknowledgement → the subscriber's delivery, ms, per event (both on the
   * machine's one monotonic clock). Negative when the subscriber had the event before the
   * publisher had its answer (the hub puts it on the bus before it answers).
   */
  hopMs: number[];
  /**
   * The same, but from the moment the event could be delivered in order: the latest
   * acknowledgement among it and every event delivered before it. Delivery is in position order,
   * so an event acknowledged before a lower position waits for that position's write, which is the
   * store's time rather than the hop's.
   */
  inOrderHopMs: number[];
  late: number;
}

/**
 * Goals. Earlier: hub throughput ≥ 0.5× raw Redis pub/sub; at half the hub's maximum rate, ≤ 2 ms added p99.
 * Now (what the hop from hub A to hub B adds, not the store): A→B throughput ≥ 0.9× one process's
 * (`one`), and from A's acknowledgement to B's delivery p99 ≤ 5 ms at half of one process's rate.
 */
export const GOALS = { throughput: 0.5, addedP99Ms: 2, acrossProcesses: 0.9, hopP99Ms: 5 } as const;

const sidesIn = <T extends { side: Side }>(samples: readonly T[]) => [...new Set(samples.map((s) => s.side))];

function perRound<T extends { round: number; side: Side }>(
  samples: readonly T[],
  a: Side,
  b: Side,
  f: (a: T, b: T) => number,
): number[] {
  const rounds = [...new Set(samples.map((s) => s.round))];
  return rounds.flatMap((round) => {
    const x = samples.find((s) => s.round === round && s.side === a);
    const y = samples.find((s) => s.round === round && s.side === b);
    return x && y ? [f(x, y)] : [];
  });
}

export function throughputReport(samples: readonly ThroughputSample[]) {
  const sides = sidesIn(samples);
  const of = (side: Side) => samples.filter((s) => s.side === side);
  const medians = Object.fromEntries(sides.map((side) => [side, median(of(side).map((s) => s.perSecond))])) as Partial<
    Record<Side, number>
  >;
  const lines = ['| path | median events/s | min | max | events per run (median) |', '|---|---:|---:|---:|---:|'];
  for (const side of sides) {
    const rates = of(side).map((s) => s.perSecond);
    lines.push(
      `| ${side} | ${thousands(medians[side]!)} | ${thousands(Math.min(...rates))} | ${thousands(Math.max(...rates))} | ${thousands(median(of(side).map((s) => s.events)))} |`,
    );
  }

  const ratios: Record<string, number> = {};
  const pairs: [Side, Side, string][] = [
    ['hub', 'one', `≥ ${GOALS.acrossProcesses.toFixed(2)}`],
    ['hub', 'raw', `≥ ${GOALS.throughput.toFixed(2)}`],
    ['mem', 'raw', ''],
    ['hub', 'mem', ''],
    ['hub', 'ingest', ''],
  ];
  const ratioLines: string[] = [];
  for (const [a, b, goal] of pairs) {
    if (medians[a] === undefined || medians[b] === undefined) continue;
    const ratio = medians[a] / medians[b];
    ratios[`${a}/${b}`] = ratio;
    const rounds = perRound(samples, a, b, (x, y) => x.perSecond / y.perSecond);
    const bound = b === 'one' ? GOALS.acrossProcesses : GOALS.throughput;
    const verdict = goal ? `${goal}: ${ratio >= bound ? 'met' : 'NOT met'}` : '';
    ratioLines.push(
      `| ${a}/${b} | ${ratio.toFixed(4)} | ${median(rounds).toFixed(4)} | ${spread(rounds, 4)} | ${verdict} |`,
    );
  }
  if (ratioLines.length)
    lines.push(
      '',
      '| ratio | of medians | median per-round | per-round min–max | goal |',
      '|---|---:|---:|---:|---|',
      ...ratioLines,
    );

  lines.push('', '| CPU ms per event (median over rounds) | processes |', '|---|---|');
  for (const side of sides) {
    const names = Object.keys(of(side)[0]!.cpuPerEvent);
    const cells = names.map((name) => `${name} ${median(of(side).map((s) => s.cpuPerEvent[name]!)).toFixed(3)}`);
    lines.push(`| ${side} | ${cells.join(', ')} |`);
  }
  const withCommands = sides.filter((side) => of(side)[0]!.commandsPerEvent);
  if (withCommands.length) {
    lines.push('', '| MongoDB commands per event (median over rounds) | |', '|---|---|');
    for (const side of withCommands) {
      const names = Object.keys(of(side)[0]!.commandsPerEvent!);
      lines.push(
        `| ${side} | ${names.map((name) => `${name} ${median(of(side).map((s) => s.commandsPerEvent![name]!)).toFixed(2)}`).join(', ')} |`,
      );
    }
  }
  return { text: lines.join('\n'), data: { medians, ratios } };
}

export function latencyReport(samples: readonly LatencySample[]) {
  const sides = sidesIn(samples);
  const all = (side: Side, field: 'latencyMs' | 'ackMs' | 'hopMs' | 'inOrderHopMs') =>
    samples.filter((s) => s.side === side).flatMap((s) => s[field]);
  const lines = [
    '| path | rate /s | events | p50 ms | p99 ms | max ms | ack p50 ms | ack p99 ms | ack → delivery p50 ms | ack → delivery p99 ms | per-round p99 min–max | late sends |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const pct: Partial<Record<Side, { p50: number; p99: number }>> = {};
  const hops: Partial<Record<Side, { p50: number; p99: number }>> = {};
  for (const side of sides) {
    const latency = all(side, 'latencyMs');
    const ack = all(side, 'ackMs');
    pct[side] = { p50: quantile(latency, 0.5), p99: quantile(latency, 0.99) };
    const rate = samples.find((s) => s.side === side)!.perSecond;
    const late = samples.filter((s) => s.side === side).reduce((sum, s) => sum + s.late, 0);
    const hop = all(side, 'hopMs');
    hops[side] = { p50: quantile(hop, 0.5), p99: quantile(hop, 0.99) };
    const hopRounds = samples.filter((s) => s.side === side).map((s) => quantile(s.hopMs, 0.99));
    lines.push(
      `| ${side} | ${rate.toFixed(0)} | ${thousands(latency.length)} | ${pct[side].p50.toFixed(2)} | ${pct[side].p99.toFixed(2)} | ${Math.max(...latency).toFixed(1)} | ${quantile(ack, 0.5).toFixed(2)} | ${quantile(ack, 0.99).toFixed(2)} | ${hops[side].p50.toFixed(2)} | ${hops[side].p99.toFixed(2)} | ${spread(hopRounds, 2)} | ${late} |`,
    );
  }
  const added: Record<string, { p50: number; p99: number }> = {};
  const addedLines: string[] = [];
  for (const side of sides.filter((s) => s !== 'raw')) {
    if (!pct[side] || !pct.raw) continue;
    added[side] = { p50: pct[side].p50 - pct.raw.p50, p99: pct[side].p99 - pct.raw.p99 };
    const rounds = perRound(samples, side, 'raw', (x, y) => quantile(x.latencyMs, 0.99) - quantile(y.latencyMs, 0.99));
    const verdict =
      side === 'hub' ? `≤ ${GOALS.addedP99Ms} ms: ${added[side].p99 <= GOALS.addedP99Ms ? 'met' : 'NOT met'}` : '';
    addedLines.push(
      `| ${side} − raw | ${added[side].p50.toFixed(2)} | ${added[side].p99.toFixed(2)} | ${spread(rounds, 2)} | ${verdict} |`,
    );
  }
  const inOrder = (side: Side) => {
    const hop = all(side, 'inOrderHopMs');
    const rounds = samples.filter((s) => s.side === side).map((s) => quantile(s.inOrderHopMs, 0.99));
    return { p50: quantile(hop, 0.5), p99: quantile(hop, 0.99), rounds: spread(rounds, 2) };
  };
  for (const side of sides.filter((s) => s !== 'raw').reverse()) {
    const ordered = inOrder(side);
    const goal =
      side === 'hub'
        ? `≤ ${GOALS.hopP99Ms} ms: ${ordered.p99 <= GOALS.hopP99Ms ? 'met' : 'NOT met'}`
        : '(same process)';
    addedLines.unshift(
      `| ${side}: last acknowledgement in position order → delivery | ${ordered.p50.toFixed(2)} | ${ordered.p99.toFixed(2)} | ${ordered.rounds} | ${goal} |`,
    );
  }
  if (hops.hub)
    addedLines.unshift(
      `| hub: A's acknowledgement of the event → B's delivery | ${hops.hub.p50.toFixed(2)} | ${hops.hub.p99.toFixed(2)} | | (waits include lower positions' writes) |`,
    );
  if (addedLines.length)
    lines.push(
      '',
      '| added latency | p50 ms | p99 ms | per-round p99 min–max | goal |',
      '|---|---:|---:|---:|---|',
      ...addedLines,
    );
  return { text: lines.join('\n'), data: { percentiles: pct, added, hops } };
}
