import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { InvalidArgumentError, type Command } from 'commander';
import { CliError, usageError } from '../cli-error.ts';
import { graphql, type HubTarget } from '../hub-client.ts';
import { globalsOf, type Output } from '../output.ts';

const PUBLISH = `mutation($input: [PublishEventInput!]!) {
  publishEvents(input: $input) { status originalEventId event { id type position } error { code message path } }
}`;

interface PublishResult {
  status: 'ACCEPTED' | 'DUPLICATE' | 'REJECTED';
  originalEventId: string | null;
  event: { id: string; type: string; position: string } | null;
  error: { code: string; message: string; path: string[] | null } | null;
}

/** Publishes a RATE_LIMITED batch again after the hub's retryAfterMs, this many times at most. */
const RATE_LIMIT_RETRIES = 5;

export function registerPublish(program: Command): void {
  program
    .command('publish')
    .description('publish events: one JSON object (or an array) as the argument, or NDJSON on stdin, sent in batches')
    .argument('[event]', 'a PublishEventInput as JSON, or an array of them; without it, NDJSON is read from stdin')
    .option('-b, --batch-size <n>', 'events per publishEvents call (at most the hub’s HUB_MAX_BATCH)', positiveInt, 100)
    .option('-s, --source <type:id>', 'the source of events that give none, e.g. MANUAL:ops')
    .action(async (event: string | undefined, options: { batchSize: number; source?: string }, command: Command) => {
      const { target, out } = globalsOf(command);
      const withSource = defaultSource(options.source);
      let rejected = 0;
      for await (const batch of batches(
        event === undefined ? stdinEvents() : argumentEvents(event),
        options.batchSize,
      )) {
        for (const result of await publishBatch(target, batch.map(withSource))) {
          if (result.status === 'REJECTED') rejected += 1;
          report(out, result);
        }
      }
      if (rejected) throw new CliError(`${rejected} event(s) rejected`, { code: 'REJECTED' });
    });
}

export function positiveInt(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new InvalidArgumentError('expected a whole number of at least 1');
  return value;
}

function defaultSource(flag: string | undefined): (input: Record<string, unknown>) => Record<string, unknown> {
  if (flag === undefined) return (input) => input;
  const [type, ...id] = flag.split(':');
  if (!type || !id.length) throw usageError('--source must be TYPE:id, e.g. MANUAL:ops');
  const source = { type: type.toUpperCase(), id: id.join(':') };
  return (input) => ('source' in input ? input : { ...input, source });
}

function* argumentEvents(text: string): Generator<Record<string, unknown>> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw usageError(
      'the event argument must be JSON: {"type":"order.created","source":{"type":"MANUAL","id":"ops"},"payload":{}}',
    );
  }
  for (const item of Array.isArray(value) ? value : [value]) yield object(item, 'the event argument');
}

async function* stdinEvents(): AsyncGenerator<Record<string, unknown>> {
  if (process.stdin.isTTY) throw usageError('give an event as JSON, or pipe NDJSON (one event per line) into publish');
  let line = 0;
  for await (const text of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
    line += 1;
    if (!text.trim()) continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new CliError(`stdin line ${line} is not JSON; the lines before it were published`, { code: 'BAD_INPUT' });
    }
    yield object(value, `stdin line ${line}`);
  }
}

function object(value: unknown, where: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new CliError(`${where} is not a JSON object`, { code: 'BAD_INPUT' });
  return value as Record<string, unknown>;
}

async function* batches<T>(items: Iterable<T> | AsyncIterable<T>, size: number): AsyncGenerator<T[]> {
  let batch: T[] = [];
  for await (const item of items) {
    batch.push(item);
    if (batch.length === size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

async function publishBatch(target: HubTarget, input: Record<string, unknown>[]): Promise<PublishResult[]> {
  for (let attempt = 0; ; attempt++) {
    try {
      return (await graphql<{ publishEvents: PublishResult[] }>(target, PUBLISH, { input })).publishEvents;
    } catch (error) {
      const retryAfterMs =
        error instanceof CliError && error.code === 'RATE_LIMITED' ? error.details['retryAfterMs'] : undefined;
      if (typeof retryAfterMs !== 'number' || attempt >= RATE_LIMIT_RETRIES) throw error;
      await sleep(retryAfterMs);
    }
  }
}

function report(out: Output, result: PublishResult): void {
  out.data(result, ({ status, event, originalEventId, error }) => {
    if (status === 'ACCEPTED') return `ACCEPTED  ${event?.position}  ${event?.id}  ${event?.type}`;
    if (status === 'DUPLICATE') return `DUPLICATE  of ${originalEventId}`;
    return `REJECTED  ${error?.code}: ${error?.message}${error?.path ? ` (at ${error.path.join('.')})` : ''}`;
  });
}
