import { median, quantile, spread, thousands } from '../support/stats.ts';
import type { LatencyPhase } from './live-latency.ts';

export interface ThroughputSample {
  round: number;
  side: 'hub' | 'raw';
  events: number;
  seconds: number;
  /** The hub's job COMPLETED with every event processed and none failed; the driver read every event. */
  ok: boolean;
}

export interface LatencySample extends LatencyPhase {
  round: number;
  phase: 'quiet' | 'replay';
}

/** The S8 tables; `clean` is false when a read missed events or a ping was lost or repeated. */
export function report(
  throughput: readonly ThroughputSample[],
  latency: readonly LatencySample[],
): { text: string; clean: boolean } {
  const lines: string[] = [];
  let clean = true;
  if (throughput.length) {
    const rate = (s: ThroughputSample) => s.events / s.seconds;
    const of = (side: 'hub' | 'raw') => throughput.filter((s) => s.side === side);
    const rounds = [...new Set(throughput.map((s) => s.round))];
    const ratios = rounds.map(
      (r) => rate(of('hub').find((s) => s.round === r)!) / rate(of('raw').find((s) => s.round === r)!),
    );
    lines.push('| side | median events/s | min–max |', '|---|---:|---:|');
    for (const side of ['hub', 'raw'] as const)
      lines.push(`| ${side} | ${thousands(median(of(side).map(rate)))} | ${spread(of(side).map(rate), 0)} |`);
    lines.push(
      '',
      `replay throughput hub/raw: **${median(ratios).toFixed(2)}** (per round ${spread(ratios)}; goal ≥ 0.5)`,
    );
    if (throughput.some((s) => !s.ok)) {
      clean = false;
      lines.push('CHECK FAILED: a replay did not complete every event, or the driver read a different count');
    }
  }
  if (latency.length) {
    const pooled = (phase: 'quiet' | 'replay') => latency.filter((s) => s.phase === phase).flatMap((s) => s.latencies);
    const p99 = (phase: 'quiet' | 'replay') => quantile(pooled(phase), 0.99);
    lines.push('', '| phase | pings | p50 ms | p99 ms | per-round p99 ms |', '|---|---:|---:|---:|---:|');
    for (const phase of ['quiet', 'replay'] as const) {
      const perRound = latency.filter((s) => s.phase === phase).map((s) => quantile(s.latencies, 0.99));
      lines.push(
        `| ${phase} | ${pooled(phase).length} | ${quantile(pooled(phase), 0.5).toFixed(1)} | ${p99(phase).toFixed(1)} | ${spread(perRound, 1)} |`,
      );
    }
    lines.push('', `live p99 with a replay / without: **${(p99('replay') / p99('quiet')).toFixed(2)}** (goal ≤ 1.5)`);
    const lost = latency.reduce((sum, s) => sum + s.missing + s.duplicates, 0);
    if (lost > 0) {
      clean = false;
      lines.push(`CHECK FAILED: ${lost} pings missing or delivered twice`);
    }
  }
  return { text: lines.join('\n'), clean };
}
