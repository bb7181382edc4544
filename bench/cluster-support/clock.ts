/**
 * One clock for every process of a benchmark: `process.hrtime` reads
 * CLOCK_MONOTONIC, which on Linux is the same clock in every process of the
 * machine (time since boot), not a per-process origin like
 * `performance.now()`. A send time taken in one process and a receive time
 * taken in another are therefore directly comparable, to the microsecond.
 */
export const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);
