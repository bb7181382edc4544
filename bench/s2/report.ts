import { median, spread, thousands } from '../support/stats.ts';

/** `base`: the hub of a baseline checkout (`--baseline`), in the same rounds; `embedded`: this hub on its embedded store (`--embedded`). */
export const SIDES = ['hub', 'raw', 'base', 'embedded'] as const;
export type Side = (typeof SIDES)[number];

export interface Sample {
  round: number;
  side: Side;
  eventsPerSecond: number;
  /** CPU milliseconds per 1,000 events by process (server, hub, redis, runner), where measured. */
  cpuPerThousand: Record<string, number>;
}

/** The goal of S2: durable ingest through the hub at ≥ 0.6× the driver's insertMany. */
export const GOAL = 0.6;
/** And the hub process's CPU per event at most 1.5× the raw runner's, which does nothing but insertMany. */
export const CPU_GOAL = 1.5;

/** Medians per side, and hub/raw as the median of the per-round ratios with their spread (and the ratio of medians). */
export function report(samples: readonly Sample[]) {
  const of = (side: Side) => samples.filter((s) => s.side === side).map((s) => s.eventsPerSecond);
  const lines = ['| side | median events/s | min | max |', '|---|---:|---:|---:|'];
  const present = SIDES.filter((side) => of(side).length);
  for (const side of present) {
    const values = of(side);
    lines.push(
      `| ${side} | ${thousands(median(values))} | ${thousands(Math.min(...values))} | ${thousands(Math.max(...values))} |`,
    );
  }
  const processes = [...new Set(samples.flatMap((s) => Object.keys(s.cpuPerThousand)))];
  if (processes.length) {
    lines.push(
      '',
      `| CPU ms per 1,000 events (median) | ${processes.join(' | ')} |`,
      `|---|${processes.map(() => '---:').join('|')}|`,
    );
    for (const side of present) {
      const cells = processes.map((p) => {
        const values = samples
          .filter((s) => s.side === side && s.cpuPerThousand[p] !== undefined)
          .map((s) => s.cpuPerThousand[p]!);
        return values.length ? median(values).toFixed(0) : '–';
      });
      lines.push(`| ${side} | ${cells.join(' | ')} |`);
    }
  }
  const perRound = roundRatios(samples, 'hub', (s) => s.eventsPerSecond);
  const ratio = median(perRound);
  const ofMedians = median(of('hub')) / median(of('raw'));
  lines.push(
    '',
    '| ratio | median of per-round | per-round min–max | of medians | goal |',
    '|---|---:|---:|---:|---|',
    `| hub/raw | ${ratio.toFixed(3)} | ${spread(perRound)} | ${ofMedians.toFixed(3)} | ≥ ${GOAL.toFixed(2)}: ${ratio >= GOAL ? 'met' : 'NOT met'} |`,
  );
  for (const side of present.filter((s) => s === 'base' || s === 'embedded')) {
    const ratios = roundRatios(samples, side, (s) => s.eventsPerSecond);
    lines.push(
      `| ${side}/raw | ${median(ratios).toFixed(3)} | ${spread(ratios)} | ${(median(of(side)) / median(of('raw'))).toFixed(3)} | |`,
    );
  }
  // The hub process against the raw runner, per event: what the hub's own code costs beside the driver's.
  const cpuRatios: Record<string, number> = {};
  const perRoundCpu: Partial<Record<Side, number[]>> = {};
  for (const side of present.filter((s) => s !== 'raw')) {
    const ratios = cpuRoundRatios(samples, side);
    if (!ratios.length) continue;
    perRoundCpu[side] = ratios;
    cpuRatios[side] = median(ratios);
    lines.push(
      `| ${side} CPU / raw driver CPU per event | ${cpuRatios[side]!.toFixed(2)} | ${spread(ratios)} | | ${side === 'hub' ? `≤ ${CPU_GOAL.toFixed(1)}: ${cpuRatios[side]! <= CPU_GOAL ? 'met' : 'NOT met'}` : ''} |`,
    );
  }
  // What the MongoDB path alone costs the hub: the same hub and requests, less their run on the embedded store.
  const { hub: hubCpu, embedded: embeddedCpu } = perRoundCpu;
  if (hubCpu && embeddedCpu && hubCpu.length === embeddedCpu.length) {
    const path = hubCpu.map((ratio, i) => ratio - embeddedCpu[i]!);
    cpuRatios['mongodbPath'] = median(path);
    lines.push(
      `| (hub − embedded) CPU / raw driver CPU per event | ${median(path).toFixed(2)} | ${spread(path)} | | |`,
    );
  }
  return {
    text: lines.join('\n'),
    data: { medians: { hub: median(of('hub')), raw: median(of('raw')) }, ratio, perRound, ofMedians, cpuRatios },
  };
}

/** Per round, the hub process's CPU per event on `side` over the raw runner's. */
const cpuRoundRatios = (samples: readonly Sample[], side: Side): number[] =>
  roundRatios(
    samples,
    side,
    (s) => (s.side === 'raw' ? s.cpuPerThousand['runner'] : s.cpuPerThousand['hub']) ?? Number.NaN,
  ).filter((r) => !Number.isNaN(r));

/** Per round, `side` over raw of `value`. */
function roundRatios(samples: readonly Sample[], side: Side, value: (s: Sample) => number): number[] {
  const rounds = [...new Set(samples.map((s) => s.round))];
  return rounds.flatMap((round) => {
    const mine = samples.find((s) => s.round === round && s.side === side);
    const raw = samples.find((s) => s.round === round && s.side === 'raw');
    return mine && raw ? [value(mine) / value(raw)] : [];
  });
}
