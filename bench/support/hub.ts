import type { HubProcessOptions } from '../../test/support/hub-process.ts';

/**
 * How every bench runs a hub process (with test/support/hub-process.ts):
 * what it logs at warn and above shows beside the bench's output, a hub on a
 * loaded machine gets 30 s to start, and 10 s to write its profile on stop.
 */
export const BENCH_HUB = {
  echoWarnings: true,
  startTimeoutMs: 30_000,
  stopGraceMs: 10_000,
} as const satisfies HubProcessOptions;
