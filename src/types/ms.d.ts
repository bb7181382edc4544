// `ms` 2.x ships no types; this is the one call the hub makes (src/retention/duration.ts).
declare module 'ms' {
  /** Milliseconds of a duration such as `30s`, `12h`, `365d`, `7y` (a year is 365.25 days); undefined when it does not parse. */
  export default function ms(value: string): number | undefined;
}
