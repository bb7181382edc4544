import type { RunKind as ServerKind } from './bench-server.ts';

export interface Sample {
  round: number;
  kind: ServerKind;
  rps: number;
}

/** The goals: hub ≥ 0.40× bare and ≥ 1.1× stock Yoga; against a baseline checkout, a drop of at most 5 %. */
const GOALS = { bare: 0.4, yoga: 1.1, base: 0.95 } as const;

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** Medians per server, and the hub's ratio to the others (ratio of medians, and the spread of per-round ratios). */
export function report(samples: readonly Sample[]) {
  const kinds = [...new Set(samples.map((s) => s.kind))];
  const rpsOf = (kind: ServerKind) => samples.filter((s) => s.kind === kind).map((s) => s.rps);
  const medians = Object.fromEntries(kinds.map((kind) => [kind, median(rpsOf(kind))])) as Partial<
    Record<ServerKind, number>
  >;
  const lines = ['| server | median req/s | min | max |', '|---|---:|---:|---:|'];
  for (const kind of kinds) {
    const rps = rpsOf(kind);
    lines.push(
      `| ${kind} | ${medians[kind]!.toFixed(0)} | ${Math.min(...rps).toFixed(0)} | ${Math.max(...rps).toFixed(0)} |`,
    );
  }

  const ratios: Record<string, number> = {};
  if (medians.hub !== undefined) {
    lines.push('', '| ratio | of medians | per-round min–max | goal |', '|---|---:|---:|---|');
    for (const other of ['bare', 'yoga', 'base'] as const) {
      if (medians[other] === undefined) continue;
      const ratio = medians.hub / medians[other];
      ratios[`hub/${other}`] = ratio;
      const perRound = roundRatios(samples, other);
      const verdict = ratio >= GOALS[other] ? 'met' : 'NOT met';
      lines.push(
        `| hub/${other} | ${ratio.toFixed(3)} | ${Math.min(...perRound).toFixed(2)}–${Math.max(...perRound).toFixed(2)} | ≥ ${GOALS[other].toFixed(2)}: ${verdict} |`,
      );
    }
  }
  return { text: lines.join('\n'), data: { medians, ratios } };
}

function roundRatios(samples: readonly Sample[], other: ServerKind): number[] {
  const byRound = new Map<number, Partial<Record<ServerKind, number>>>();
  for (const s of samples) byRound.set(s.round, { ...byRound.get(s.round), [s.kind]: s.rps });
  return [...byRound.values()].filter((r) => r.hub && r[other]).map((r) => r.hub! / r[other]!);
}
