import type { Command } from 'commander';
import type { HubTarget } from './hub-client.ts';

/** Every Event field a client can select but `processing`: the shape `GET /export` writes too. */
export const EVENT_FIELDS = `id type version tenantId source { type id } timestamp receivedAt subject payload position
  metadata { correlationId causationId idempotencyKey actor { id type } context { type id } attributes replay { jobId originalEventId } trace { traceparent traceId tracestate } }`;

/**
 * Where a command writes: data on stdout (one JSON document per line with `--json`, a readable
 * line otherwise), messages and progress on stderr, so `event-hub … --json | jq` sees data only.
 */
export interface Output {
  json: boolean;
  /** One datum: JSON with `--json`, else `human(value)`. */
  data<T>(value: T, human: (value: T) => string): void;
  /** A message for the person at the terminal (stderr). */
  say(message: string): void;
}

export function createOutput(json: boolean): Output {
  return {
    json,
    data(value, human) {
      process.stdout.write(`${json ? JSON.stringify(value) : human(value)}\n`);
    },
    say(message) {
      process.stderr.write(`${message}\n`);
    },
  };
}

/** An event as the CLI selects it (EVENT_FIELDS): printed whole with `--json`, by `eventLine` otherwise. */
export interface EventRecord {
  position: string;
  timestamp: string;
  type: string;
  subject: string | null;
  payload: unknown;
  [field: string]: unknown;
}

/** An event in one line: position, time, type, subject and payload. */
export function eventLine(event: EventRecord): string {
  return [event.position, event.timestamp, event.type, event.subject ?? '-', JSON.stringify(event.payload)].join('  ');
}

/** The global flags every command sees: the hub, the token and `--json`. */
export function globalsOf(command: Command): { target: HubTarget; out: Output } {
  const { url, token, json } = command.optsWithGlobals<{ url: string; token?: string; json?: boolean }>();
  return { target: { url, token }, out: createOutput(json === true) };
}
