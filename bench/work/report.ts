import type { ScenarioResult } from './scenarios.ts';

export interface SideResult {
  side: string;
  round: number;
  results: ScenarioResult[];
}

const total = (counts: Record<string, number>) => Object.values(counts).reduce((sum, n) => sum + n, 0);
const fixed = (n: number | undefined, digits = 1) => (n === undefined ? '–' : n.toFixed(digits));
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/**
 * One table per scenario: per side (this checkout, the baseline), the commands per 1,000 events by
 * name, documents written per 1,000 events, and for publishes the sequential round trips per request
 * and documents written before the acknowledgement per event; medians over the rounds. With `detail`,
 * the commands by name and collection.
 */
export function report(sides: readonly SideResult[], detail = false): string {
  const scenarios = [...new Set(sides.flatMap((s) => s.results.map((r) => r.scenario)))];
  const names = [...new Set(sides.map((s) => s.side))];
  const lines: string[] = [];
  for (const scenario of scenarios) {
    lines.push(
      `\n### ${scenario}\n`,
      '| side | commands per 1,000 events | total | documents written per 1,000 | round trips per request | documents before ack per event | events/s |',
      '|---|---|---:|---:|---:|---:|---:|',
    );
    for (const side of names) {
      const taken = sides
        .filter((s) => s.side === side)
        .flatMap((s) => s.results.filter((r) => r.scenario === scenario));
      if (taken.length === 0) continue;
      const countsOf = (r: ScenarioResult) => (detail ? (r.counts.byCollection ?? {}) : r.counts.commands);
      const commandNames = [...new Set(taken.flatMap((r) => Object.keys(countsOf(r))))].sort();
      const byName = commandNames
        .map((name) => `${name} ${fixed(median(taken.map((r) => countsOf(r)[name] ?? 0)))}`)
        .join(', ');
      const optional = (pick: (r: ScenarioResult) => number | undefined, digits: number) => {
        const values = taken.map(pick).filter((v): v is number => v !== undefined);
        return values.length ? fixed(median(values), digits) : '–';
      };
      lines.push(
        `| ${side} | ${byName} | ${fixed(median(taken.map((r) => total(r.counts.commands))))} | ${fixed(median(taken.map((r) => r.counts.documentsWritten)))} | ` +
          `${optional((r) => r.roundTripsPerRequest, 2)} | ${optional((r) => r.documentsBeforeAckPerEvent, 2)} | ${optional((r) => r.eventsPerSecond, 0)} |`,
      );
    }
  }
  return lines.join('\n');
}
