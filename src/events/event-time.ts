/**
 * Date-times as their publisher wrote them. An event's `timestamp` is kept as
 * an instant (a Date: ordering, `from`/`to`, stats buckets) plus the offset from
 * UTC it was written in, so `2026-01-05T10:00:00+02:00` is read back as
 * `2026-01-05T10:00:00.000+02:00`, not as `08:00:00.000Z`.
 */

/** ISO 8601 / RFC 3339 date-time with a zone: `Z` or `±hh:mm`. */
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|([+-])(\d{2}):(\d{2}))$/;

/**
 * A Date that remembers the offset it was written in, in minutes east of UTC
 * (`+02:00` = 120, `-05:30` = -330). It is a Date for everything else, so code
 * that only needs the instant takes it as one.
 */
export class OffsetDate extends Date {
  readonly offsetMinutes: number;
  constructor(instant: number, offsetMinutes: number) {
    super(instant);
    this.offsetMinutes = offsetMinutes;
  }
}

/** The date-time in `text`, with its offset; null when it is not ISO 8601 with a zone or not a real date. */
export function parseOffsetDateTime(text: string): OffsetDate | null {
  const match = ISO_8601.exec(text);
  if (!match) return null;
  const [, , , zone, sign, hours, minutes] = match;
  let offset = 0;
  if (zone !== 'Z') {
    // RFC 3339's time-numoffset: hours 00-23, minutes 00-59
    if (Number(hours) > 23 || Number(minutes) > 59) return null;
    offset = (sign === '-' ? -1 : 1) * (Number(hours) * 60 + Number(minutes));
  }
  const instant = Date.parse(text);
  return Number.isNaN(instant) ? null : new OffsetDate(instant, offset);
}

/** Minutes east of UTC a date was written in: an OffsetDate's own, 0 (UTC) for any other Date. */
export const offsetOf = (date: Date): number => (date instanceof OffsetDate ? date.offsetMinutes : 0);

/** ISO 8601 with milliseconds, in the date's own offset: `2026-01-05T10:00:00.000+02:00`, or `…Z` for UTC. */
export function formatOffsetDateTime(date: Date): string {
  const offset = offsetOf(date);
  if (offset === 0) return date.toISOString();
  // the wall-clock time at that offset, printed by toISOString, with its `Z` replaced by the offset
  const local = new Date(date.getTime() + offset * 60_000).toISOString().slice(0, -1);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${local}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

const pad = (n: number) => String(n).padStart(2, '0');
