import { median, spread, thousands } from '../support/stats.ts';

/** `base`: the hub of a baseline checkout (`--baseline`), measured beside this one. */
export type ServerKind = 'hub' | 'apollo' | 'base';

export interface Sample {
  round: number;
  kind: ServerKind;
  /** Keyed subscribers; the wildcard ones are 1 % of it on top. */
  keyed: number;
  /** false: events of a type no subscriber follows (what publishing alone costs). */
  matched: boolean;
  events: number;
  frames: number;
  /** Server CPU time (all threads) from the first publish to the last frame (or answer). */
  cpuMicros: number;
  seconds: number;
}

/** One server at one size: its memory idle (just started, after a full GC) and what each connection adds (after a full GC). */
export interface MemorySample {
  kind: ServerKind;
  keyed: number;
  /** Keyed plus wildcard subscribers, one connection each. */
  connections: number;
  idleRss: number;
  idleHeap: number;
  /** Bytes. */
  rssPerConnection: number;
  heapPerConnection: number;
}

/** RSS per graphql-ws subscriber at 5,000 or more, in bytes. */
export const MEMORY_GOALS = { rssPerConnection: 30_000 } as const;

export function memoryReport(memory: readonly MemorySample[]) {
  const kb = (bytes: number) => (bytes / 1000).toFixed(1);
  const mb = (bytes: number) => (bytes / 1e6).toFixed(0);
  const lines = [
    '| server | subscribers (one connection each) | idle RSS / heap MB | RSS per connection KB | heap per connection KB |',
    '|---|---:|---:|---:|---:|',
  ];
  const data: Record<string, unknown> = {};
  for (const m of memory) {
    lines.push(
      `| ${m.kind} | ${thousands(m.connections)} | ${mb(m.idleRss)} / ${mb(m.idleHeap)} | ${kb(m.rssPerConnection)} | ${kb(m.heapPerConnection)} |`,
    );
    data[`memory.${m.kind}.${m.keyed}`] = m;
  }
  for (const m of memory.filter((m) => m.kind === 'hub')) {
    if (m.connections >= 5000)
      lines.push(
        `hub RSS per connection at ${thousands(m.connections)}: ${kb(m.rssPerConnection)} KB, goal ≤ ${kb(MEMORY_GOALS.rssPerConnection)}: ${m.rssPerConnection <= MEMORY_GOALS.rssPerConnection ? 'met' : 'NOT met'}`,
      );
  }
  return { text: lines.join('\n'), data };
}

/** The goals: CPU per frame at 10k ≤ 1.5× at 100; hub CPU per event ≤ 0.05× Apollo's; against a baseline, at most 5 % more. */
export const GOALS = { scaling: 1.5, apollo: 0.05, base: 1.05 } as const;

const perEvent = (s: Sample) => s.cpuMicros / s.events;
const perFrame = (s: Sample) => s.cpuMicros / s.frames;

export function report(samples: readonly Sample[]) {
  const scales = [...new Set(samples.map((s) => s.keyed))].sort((a, b) => b - a);
  const [large, small] = [scales[0]!, scales[scales.length - 1]!];
  const of = (kind: ServerKind, keyed: number, matched = true) =>
    samples.filter((s) => s.kind === kind && s.keyed === keyed && s.matched === matched);
  const ms = (micros: number) => (micros / 1000).toFixed(micros < 10_000 ? 3 : 1);
  const data: Record<string, unknown> = {};

  const lines = [
    '| server | keyed + wildcard subscribers | frames/event | CPU ms/event (min–max) | CPU µs/frame (min–max) |',
    '|---|---:|---:|---:|---:|',
  ];
  for (const kind of ['hub', 'base', 'apollo'] as const) {
    for (const keyed of scales) {
      for (const matched of kind === 'hub' ? [true, false] : [true]) {
        const taken = of(kind, keyed, matched);
        if (taken.length === 0) continue;
        const events = taken.map(perEvent);
        const frames = matched ? taken.map(perFrame) : [];
        const fpe = taken[0]!.frames / taken[0]!.events;
        lines.push(
          `| ${kind}${matched ? '' : ' (no match)'} | ${thousands(keyed)} + ${thousands(Math.max(1, Math.round(keyed / 100)))} | ${fpe} | ` +
            `${ms(median(events))} (${ms(Math.min(...events))}–${ms(Math.max(...events))}) | ` +
            `${matched ? `${median(frames).toFixed(1)} (${spread(frames, 1)})` : '–'} |`,
        );
        data[`${kind}.${keyed}.${matched ? 'matched' : 'unmatched'}`] = {
          cpuMsPerEvent: median(events) / 1000,
          cpuMicrosPerFrame: matched ? median(frames) : null,
        };
      }
    }
  }

  lines.push('', '| ratio | of medians | per-round min–max | goal |', '|---|---:|---:|---|');
  if (large !== small && of('hub', large).length > 0 && of('hub', small).length > 0) {
    const ratio = median(of('hub', large).map(perFrame)) / median(of('hub', small).map(perFrame));
    const perRound = roundRatios(
      samples,
      (s) => s.kind === 'hub' && s.matched && s.keyed === large,
      (s) => s.kind === 'hub' && s.matched && s.keyed === small,
      perFrame,
    );
    lines.push(
      `| hub CPU/frame, ${thousands(large)} ÷ ${thousands(small)} keyed | ${ratio.toFixed(3)} | ${spread(perRound)} | ≤ ${GOALS.scaling}: ${ratio <= GOALS.scaling ? 'met' : 'NOT met'} |`,
    );
    data['scaling'] = { ratio, perRound };
    // Publishing (HTTP, ingest, store) costs the same per event whatever matches; per frame it weighs 50× more at
    // 2 frames per event than at 101. Taking the no-match run's CPU per event off leaves what delivery costs.
    const marginal = (keyed: number) => {
      const fpe = of('hub', keyed)[0]!.frames / of('hub', keyed)[0]!.events;
      return (median(of('hub', keyed).map(perEvent)) - median(of('hub', keyed, false).map(perEvent))) / fpe;
    };
    if (of('hub', large, false).length > 0 && of('hub', small, false).length > 0) {
      const m = marginal(large) / marginal(small);
      lines.push(
        `| hub delivery CPU/frame (minus the no-match CPU/event), ${thousands(large)} ÷ ${thousands(small)} | ${m.toFixed(3)} | ` +
          `${marginal(large).toFixed(1)} vs ${marginal(small).toFixed(1)} µs | ≤ ${GOALS.scaling}: ${m <= GOALS.scaling ? 'met' : 'NOT met'} |`,
      );
      data['marginalScaling'] = { ratio: m, large: marginal(large), small: marginal(small) };
    }
  }
  for (const keyed of scales) {
    if (of('hub', keyed).length === 0 || of('apollo', keyed).length === 0) continue;
    const ratio = median(of('hub', keyed).map(perEvent)) / median(of('apollo', keyed).map(perEvent));
    const perRound = roundRatios(
      samples,
      (s) => s.kind === 'hub' && s.matched && s.keyed === keyed,
      (s) => s.kind === 'apollo' && s.keyed === keyed,
      perEvent,
    );
    const goal =
      keyed === large ? `≤ ${GOALS.apollo}: ${ratio <= GOALS.apollo ? 'met' : 'NOT met'}` : '(for reference)';
    lines.push(
      `| hub CPU/event ÷ Apollo's, ${thousands(keyed)} keyed | ${ratio.toFixed(4)} | ${spread(perRound, 4)} | ${goal} |`,
    );
    data[`apollo.${keyed}`] = { ratio, perRound };
  }
  for (const keyed of scales) {
    if (of('hub', keyed).length === 0 || of('base', keyed).length === 0) continue;
    const ratio = median(of('hub', keyed).map(perEvent)) / median(of('base', keyed).map(perEvent));
    const perRound = roundRatios(
      samples,
      (s) => s.kind === 'hub' && s.matched && s.keyed === keyed,
      (s) => s.kind === 'base' && s.keyed === keyed,
      perEvent,
    );
    lines.push(
      `| hub CPU/event ÷ baseline's, ${thousands(keyed)} keyed | ${ratio.toFixed(3)} | ${spread(perRound, 3)} | ≤ ${GOALS.base}: ${ratio <= GOALS.base ? 'met' : 'NOT met'} |`,
    );
    data[`base.${keyed}`] = { ratio, perRound };
  }
  return { text: lines.join('\n'), data };
}

function roundRatios(
  samples: readonly Sample[],
  top: (s: Sample) => boolean,
  bottom: (s: Sample) => boolean,
  value: (s: Sample) => number,
): number[] {
  const rounds = [...new Set(samples.map((s) => s.round))];
  return rounds.flatMap((round) => {
    const a = samples.find((s) => s.round === round && top(s));
    const b = samples.find((s) => s.round === round && bottom(s));
    return a && b ? [value(a) / value(b)] : [];
  });
}
