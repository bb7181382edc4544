import { z } from 'zod';
import { ContextType, SourceType } from '../events/event.ts';
import { parseOffsetDateTime } from '../events/event-time.ts';

/**
 * The publish input as GraphQL hands it over (absent fields may be `null`),
 * validated with zod at the edge. Inside the core, events are trusted.
 */
export const TYPE_NAME = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){1,5}$/;

const text = (max: number) => z.string().min(1).max(max);
const optionalText = (max: number) => text(max).nullish();

const typeName = z
  .string()
  .max(255)
  .regex(TYPE_NAME, 'must be domain.entity.action: 2-6 lowercase segments [a-z][a-z0-9_]*, dot-separated');

/**
 * A JSON object, copied key by key with `Object.fromEntries`, which defines
 * each key as an own property. Not `z.record`: it assigns keys, and assigning
 * `__proto__` sets the copy's prototype instead, so the key vanished from the
 * stored payload and its value leaked into every read of a missing field.
 */
const jsonObject = z
  .custom<Record<string, unknown>>((value) => typeof value === 'object' && value !== null && !Array.isArray(value), {
    message: 'must be a JSON object',
  })
  .transform((value) => Object.fromEntries(Object.entries(value)));

/**
 * A date-time as text, for the ways in that carry it as a string (GraphQL's DateTime scalar
 * hands over a Date already): kept with its offset (event-time.ts).
 */
const isoDateTime = z
  .string()
  .max(64)
  .transform((text, ctx) => {
    const date = parseOffsetDateTime(text);
    if (date) return date;
    ctx.addIssue({
      code: 'custom',
      message: 'must be an ISO 8601 date-time with a time zone, e.g. 2026-01-05T10:00:00+02:00',
    });
    return z.NEVER;
  });

export const eventInputSchema = z.object({
  type: typeName,
  version: text(32).nullish(),
  source: z.object({
    type: z.enum(Object.values(SourceType) as [SourceType, ...SourceType[]]),
    id: text(256),
  }),
  timestamp: z
    .union([z.date(), isoDateTime])
    .refine((d) => !Number.isNaN(d.getTime()) && d.getUTCFullYear() >= 1970 && d.getUTCFullYear() <= 9999, {
      message: 'must be a valid date between 1970 and 9999',
    })
    .nullish(),
  subject: optionalText(512),
  payload: jsonObject,
  metadata: z
    .object({
      correlationId: optionalText(256),
      causationId: optionalText(256),
      idempotencyKey: optionalText(256),
      actor: z.object({ id: text(256), type: text(64) }).nullish(),
      context: z
        .object({
          type: z.enum(Object.values(ContextType) as [ContextType, ...ContextType[]]),
          id: optionalText(256),
        })
        .nullish(),
      attributes: z.unknown().nullish(),
    })
    .nullish(),
});

export type EventInput = z.input<typeof eventInputSchema>;
export type ParsedEventInput = z.output<typeof eventInputSchema>;
