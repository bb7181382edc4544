/**
 * Time buckets for `eventStats` HOUR/DAY, computed from `timestamp` in UTC.
 * The MongoDB store writes them at ingest because the portable subset has no
 * date operators (docs/ARCHITECTURE.md §10, the portable MongoDB subset); the memory store computes them on the fly. Both
 * must use these two functions so the keys are identical.
 */
export const hourBucket = (timestamp: Date): string => `${timestamp.toISOString().slice(0, 13)}:00:00Z`;
export const dayBucket = (timestamp: Date): string => timestamp.toISOString().slice(0, 10);
