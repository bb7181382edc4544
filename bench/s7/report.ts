import { median, quantile, spread } from '../support/stats.ts';

export const SIDES = ['hub', 'raw'] as const;
export type Side = (typeof SIDES)[number];

export interface Sample {
  round: number;
  side: Side;
  search: string;
  ms: number;
}

/** The goal of S7: the hub's p95 at most 1.3× the driver's. */
export const GOAL = 1.3;

/**
 * p50 / p95 per side over all samples; hub/raw of p95 (and p50) over all
 * samples, and the median and spread of the per-round p95 ratios.
 */
export function report(samples: readonly Sample[], cpu: Record<Side, Record<string, number>>) {
  const of = (side: Side, round?: number) =>
    samples.filter((s) => s.side === side && (round === undefined || s.round === round)).map((s) => s.ms);
  const lines = ['| side | queries | p50 ms | p95 ms | min | max |', '|---|---:|---:|---:|---:|---:|'];
  for (const side of SIDES) {
    const ms = of(side);
    lines.push(
      `| ${side} | ${ms.length} | ${quantile(ms, 0.5).toFixed(0)} | ${quantile(ms, 0.95).toFixed(0)} | ${Math.min(...ms).toFixed(0)} | ${Math.max(...ms).toFixed(0)} |`,
    );
  }
  const processes = [...new Set(SIDES.flatMap((side) => Object.keys(cpu[side])))];
  if (processes.length) {
    lines.push(
      '',
      `| CPU ms per query (mean) | ${processes.join(' | ')} |`,
      `|---|${processes.map(() => '---:').join('|')}|`,
    );
    for (const side of SIDES) {
      const n = of(side).length;
      lines.push(
        `| ${side} | ${processes.map((p) => (cpu[side][p] === undefined ? '–' : (cpu[side][p] / n).toFixed(0))).join(' | ')} |`,
      );
    }
  }
  const rounds = [...new Set(samples.map((s) => s.round))];
  const perRound = rounds.map((r) => quantile(of('hub', r), 0.95) / quantile(of('raw', r), 0.95));
  const p95 = quantile(of('hub'), 0.95) / quantile(of('raw'), 0.95);
  const p50 = quantile(of('hub'), 0.5) / quantile(of('raw'), 0.5);
  const pairs = pairRatios(samples);
  lines.push(
    '',
    '| ratio | all samples | median of per-round | per-round min–max | goal |',
    '|---|---:|---:|---:|---|',
    `| hub/raw p95 | ${p95.toFixed(3)} | ${median(perRound).toFixed(3)} | ${spread(perRound)} | ≤ ${GOAL.toFixed(2)}: ${p95 <= GOAL ? 'met' : 'NOT met'} |`,
    `| hub/raw p50 | ${p50.toFixed(3)} | | | |`,
    `| hub/raw of adjacent pairs | median ${median(pairs).toFixed(3)} | | ${spread(pairs)} | (the same search, back to back) |`,
  );
  return { text: lines.join('\n'), data: { p95Ratio: p95, p50Ratio: p50, perRoundP95: perRound, pairRatios: pairs } };
}

/** Samples come in pairs (the same search on both sides, back to back): the ratio within each pair is the least drift-prone. */
function pairRatios(samples: readonly Sample[]): number[] {
  const ratios: number[] = [];
  for (let i = 0; i + 1 < samples.length; i += 2) {
    const [a, b] = [samples[i]!, samples[i + 1]!];
    const hub = a.side === 'hub' ? a : b;
    const raw = a.side === 'raw' ? a : b;
    if (hub !== raw && a.search === b.search) ratios.push(hub.ms / raw.ms);
  }
  return ratios;
}
