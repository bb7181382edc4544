import { median, spread, thousands } from '../support/stats.ts';

export const SIDES = ['hub', 'raw'] as const;
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

/** Medians per side, and hub/raw as the median of the per-round ratios with their spread (and the ratio of medians). */
export function report(samples: readonly Sample[]) {
  const of = (side: Side) => samples.filter((s) => s.side === side).map((s) => s.eventsPerSecond);
  const lines = ['| side | median events/s | min | max |', '|---|---:|---:|---:|'];
  for (const side of SIDES) {
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
    for (const side of SIDES) {
      const cells = processes.map((p) => {
        const values = samples
          .filter((s) => s.side === side && s.cpuPerThousand[p] !== undefined)
          .map((s) => s.cpuPerThousand[p]!);
        return values.length ? median(values).toFixed(0) : '–';
      });
      lines.push(`| ${side} | ${cells.join(' | ')} |`);
    }
  }
  const perRound = roundRatios(samples);
  const ratio = median(perRound);
  const ofMedians = median(of('hub')) / median(of('raw'));
  lines.push(
    '',
    '| ratio | median of per-round | per-round min–max | of medians | goal |',
    '|---|---:|---:|---:|---|',
    `| hub/raw | ${ratio.toFixed(3)} | ${spread(perRound)} | ${ofMedians.toFixed(3)} | ≥ ${GOAL.toFixed(2)}: ${ratio >= GOAL ? 'met' : 'NOT met'} |`,
  );
  return {
    text: lines.join('\n'),
    data: { medians: { hub: median(of('hub')), raw: median(of('raw')) }, ratio, perRound, ofMedians },
  };
}

function roundRatios(samples: readonly Sample[]): number[] {
  const rounds = [...new Set(samples.map((s) => s.round))];
  return rounds.flatMap((round) => {
    const hub = samples.find((s) => s.round === round && s.side === 'hub');
    const raw = samples.find((s) => s.round === round && s.side === 'raw');
    return hub && raw ? [hub.eventsPerSecond / raw.eventsPerSecond] : [];
  });
}
