import { badInput } from '../errors.ts';
import { newEventId } from '../events/ids.ts';
import { compileFilter, type CompiledFilter, type EventFilter } from '../filter/index.ts';
import { ReplayStatus, ReplayTarget, type ReplayFilterJson, type ReplayJob } from './replay-job.ts';

/** `StartReplayInput` as GraphQL hands it over (absent fields may be null). */
export interface StartReplayInput {
  filter: EventFilter | null | undefined;
  target: ReplayTarget;
  handlers?: readonly string[] | null | undefined;
  dryRun?: boolean | null | undefined;
  /** ENDPOINT: the webhook endpoint to send to. */
  endpointId?: string | null | undefined;
}

const TARGETS = new Set<unknown>(Object.values(ReplayTarget));

/** A handler of the hub as a start request sees it: its name, and whom it shadows. */
export interface KnownHandler {
  name: string;
  shadows?: string | undefined;
}

/**
 * Validates a start request and builds the PENDING job, or throws
 * BAD_USER_INPUT with the input path: a filter that does not compile, an
 * unknown target, an unknown handler name, handlers named for REPUBLISH, a
 * shadow handler named for HANDLERS. HANDLERS without names selects every
 * live handler of the hub, SHADOW every shadow handler.
 */
export function newReplayJob(
  tenantId: string,
  input: StartReplayInput,
  known: readonly KnownHandler[],
  now: Date,
): ReplayJob {
  if (!TARGETS.has(input.target))
    throw badInput(`target must be one of ${[...TARGETS].join(', ')}`, ['input', 'target']);
  if (input.filter == null) throw badInput('a filter is required (from/to strongly advised)', ['input', 'filter']);
  compileFilter(input.filter, { path: ['input', 'filter'] });
  return {
    id: newEventId(now.getTime()),
    tenantId,
    status: ReplayStatus.PENDING,
    filter: toFilterJson(input.filter),
    target: input.target,
    handlers: selectHandlers(input, known),
    ...endpointOf(input),
    dryRun: input.dryRun ?? false,
    total: null,
    processed: 0,
    failed: 0,
    ...(input.target === ReplayTarget.SHADOW && { differences: 0 }),
    sample: [],
    createdAt: now,
    checkpoint: 0,
    cancelRequested: false,
  };
}

/** ENDPOINT names its endpoint (whose existence the service checks); the other targets name none. */
function endpointOf(input: StartReplayInput): { endpointId?: string } {
  if (input.target !== ReplayTarget.ENDPOINT) {
    if (input.endpointId != null)
      throw badInput('endpointId can be given only with target ENDPOINT', ['input', 'endpointId']);
    return {};
  }
  if (input.endpointId == null) throw badInput('target ENDPOINT needs an endpointId', ['input', 'endpointId']);
  return { endpointId: input.endpointId };
}

function selectHandlers(input: StartReplayInput, known: readonly KnownHandler[]): string[] {
  const named = input.handlers;
  if (input.target === ReplayTarget.REPUBLISH || input.target === ReplayTarget.ENDPOINT) {
    if (named != null && named.length > 0)
      throw badInput('handlers can be named only with target HANDLERS or SHADOW', ['input', 'handlers']);
    return [];
  }
  const shadow = input.target === ReplayTarget.SHADOW;
  if (named == null) {
    // SHADOW runs the candidate versions; HANDLERS the live handlers (a shadow never runs for real).
    const all = known.filter((handler) => (handler.shadows !== undefined) === shadow).map((handler) => handler.name);
    if (all.length > 0) return all;
    if (shadow)
      throw badInput('no handler of this hub shadows another; name the handlers to run in the shadow', [
        'input',
        'handlers',
      ]);
    throw badInput('this hub runs no handlers, so there is nothing to replay to', ['input', 'target']);
  }
  if (named.length === 0)
    throw badInput('name at least one handler, or leave handlers out for every handler', ['input', 'handlers']);
  named.forEach((name, i) => {
    const handler = known.find((candidate) => candidate.name === name);
    const path = ['input', 'handlers', String(i)];
    if (!handler)
      throw badInput(
        `unknown handler "${name}"; this hub runs: ${known.map((h) => h.name).join(', ') || 'none'}`,
        path,
      );
    if (!shadow && handler.shadows !== undefined)
      throw badInput(`handler "${name}" shadows "${handler.shadows}": it runs only in SHADOW replays`, path);
  });
  return [...new Set(named)];
}

/** The filter as stored and shown: fields given, dates as ISO strings. */
export function toFilterJson(filter: EventFilter): ReplayFilterJson {
  const given = Object.fromEntries(Object.entries(filter).filter(([, value]) => value !== null && value !== undefined));
  return JSON.parse(JSON.stringify(given)) as ReplayFilterJson;
}

/** The stored filter compiled again; it compiled when the job was created, and compiles the same now. */
export function compileJobFilter(filter: ReplayFilterJson): CompiledFilter {
  const date = (value: unknown) => (typeof value === 'string' ? new Date(value) : undefined);
  return compileFilter({ ...(filter as EventFilter), from: date(filter['from']), to: date(filter['to']) });
}
