import { Presets, SingleBar } from 'cli-progress';

/** A progress bar on stderr (drawn only on a terminal, so scripts and pipes see nothing of it). */
export interface Progress {
  update(value: number): void;
  stop(): void;
}

export function createProgress(enabled: boolean, { total, unit }: { total: number | null; unit: string }): Progress {
  if (!enabled) return { update() {}, stop() {} };
  const format =
    total === null
      ? `{value} ${unit} | {duration_formatted}`
      : `{bar} {percentage}% | {value}/{total} ${unit} | ETA {eta_formatted}`;
  const bar = new SingleBar(
    { format, stream: process.stderr, hideCursor: true, etaBuffer: 50 },
    Presets.shades_classic,
  );
  bar.start(total ?? 0, 0);
  return {
    update: (value) => bar.update(value),
    stop: () => bar.stop(),
  };
}
