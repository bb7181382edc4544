import { median, spread, thousands } from '../support/stats.ts';
import type { ReadResult } from './hub-side.ts';

export const SIDES = ['hub', 'raw'] as const;
export type Side = (typeof SIDES)[number];

export interface Sample extends ReadResult {
  round: number;
  side: Side;
  /** find and getMore commands the server ran during the read (serverStatus), the hub's live publishes included. */
  commands: { find: number; getMore: number };
}

/** The goal of issue S6: the hub's catch-up at least half as fast as the driver's find. */
export const GOAL = 0.5;

const rate = (s: ReadResult) => s.events / s.seconds;

const pageMs = (runs: readonly ReadResult[]) => {
  const all = runs.flatMap((s) => s.pageMs);
  return all.length ? median(all).toFixed(0) : '–';
};

/** Medians per side (events/s), hub/raw of the medians and of each round, and the delivery checks. */
export function report(samples: readonly Sample[]) {
  if (samples.length === 0)
    return { text: 'no rounds', data: { medians: {}, ratio: Number.NaN, perRound: [], clean: true } };
  const of = (side: Side) => samples.filter((s) => s.side === side);
  const lines = [
    '| side | rounds | median events/s | min | max | median page ms | partial / failed |',
    '|---|---:|---:|---:|---:|---:|---|',
  ];
  const medians: Partial<Record<Side, number>> = {};
  for (const side of SIDES) {
    const runs = of(side);
    if (!runs.length) continue;
    const rates = runs.map(rate);
    medians[side] = median(rates);
    const odd = runs
      .filter((s) => s.partial || s.error)
      .map((s) => `round ${s.round}: ${s.error ?? `budget, ${thousands(s.events)} events`}`);
    lines.push(
      `| ${side} | ${runs.length} | ${thousands(medians[side])} | ${thousands(Math.min(...rates))} | ${thousands(Math.max(...rates))} | ${pageMs(runs)} | ${odd.join('; ') || '–'} |`,
    );
  }

  const rounds = [...new Set(samples.map((s) => s.round))];
  const perRound = rounds.flatMap((round) => {
    const hub = samples.find((s) => s.round === round && s.side === 'hub');
    const raw = samples.find((s) => s.round === round && s.side === 'raw');
    return hub && raw ? [rate(hub) / rate(raw)] : [];
  });
  const ratio = medians.hub !== undefined && medians.raw !== undefined ? medians.hub / medians.raw : Number.NaN;
  if (!Number.isNaN(ratio)) {
    lines.push(
      '',
      '| ratio | of medians | median of per-round | per-round min–max | goal |',
      '|---|---:|---:|---:|---|',
      `| hub/raw events/s | ${ratio.toFixed(3)} | ${median(perRound).toFixed(3)} | ${spread(perRound, 3)} | ≥ ${GOAL.toFixed(2)}: ${ratio >= GOAL ? 'met' : 'NOT met'} |`,
    );
  }

  lines.push(
    '',
    '| round | side | received | gaps | duplicates | unexpected | complete | live published / received once | find / getMore commands |',
    '|---:|---|---:|---:|---:|---:|---|---|---:|',
  );
  for (const s of samples) {
    const c = s.check;
    const live = s.live
      ? `${s.live.published} / ${s.live.complete && s.live.duplicates === 0 ? s.live.received : `${s.live.received} (gaps ${s.live.gaps}, dup ${s.live.duplicates})`}`
      : '–';
    const complete = c.complete ? 'yes' : s.partial ? 'prefix' : 'NO';
    lines.push(
      `| ${s.round} | ${s.side} | ${thousands(c.received)} | ${c.gaps} | ${c.duplicates} | ${c.unexpected} | ${complete} | ${live} | ${s.commands.find} / ${s.commands.getMore} |`,
    );
  }
  const clean = samples.every(
    (s) =>
      s.check.gaps + s.check.duplicates + s.check.unexpected === 0 &&
      (!s.live || (s.live.complete && s.live.duplicates === 0)),
  );
  return { text: lines.join('\n'), data: { medians, ratio, perRound, clean } };
}
