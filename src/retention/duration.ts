import ms from 'ms';
import { z } from 'zod';

/** A number and a unit: `ms`'s own syntax, but a bare number (which it reads as milliseconds) is refused as ambiguous. */
const WITH_UNIT = /^\s*\d+(\.\d+)?\s*[a-z]+\s*$/i;

/**
 * A positive duration written for people (`30s`, `12h`, `365d`, `7y`; a year
 * is 365.25 days), parsed to milliseconds by `ms`.
 */
export const durationMs = z.string().transform((text, ctx) => {
  const value = WITH_UNIT.test(text) ? ms(text.trim()) : undefined;
  if (value === undefined || !Number.isFinite(value) || value < 1000) {
    ctx.addIssue({
      code: 'custom',
      message: 'must be a duration of at least a second with a unit, such as 30s, 12h, 365d or 7y',
    });
    return z.NEVER;
  }
  return Math.round(value);
});

/** A duration variable with its default written the same way; empty (`VAR=` in a compose file) means unset. */
export const duration = (fallback: string) =>
  z
    .string()
    .optional()
    .transform((value) => value?.trim() || fallback)
    .pipe(durationMs);
