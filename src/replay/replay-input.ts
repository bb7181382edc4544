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

/**
 * Validates a start request and builds the PENDING job, or throws
 * BAD_USER_INPUT with the input path: a filter that does not compile, an
 * unknown target, an unknown handler name, handlers named for REPUBLISH.
 * HANDLERS without names selects every handler of the hub.
 */
export function newReplayJob(tenantId: string, input: StartReplayInput, known: readonly string[], now: Date): ReplayJob {
  if (!TARGETS.has(input.target)) throw badInput(`target must be one of ${[...TARGETS].join(', ')}`, ['input', 'target']);
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
    sample: [],
    createdAt: now,
    checkpoint: 0,
    cancelRequested: false,
  };
}

/** ENDPOINT names its endpoint (whose existence the service checks); the other targets name none. */
function endpointOf(input: StartReplayInput): { endpointId?: string } {
  if (input.target !== ReplayTarget.ENDPOINT) {
    if (input.endpointId != null) throw badInput('endpointId can be given only with target ENDPOINT', ['input', 'endpointId']);
    return {};
  }
  if (input.endpointId == null) throw badInput('target ENDPOINT needs an endpointId', ['input', 'endpointId']);
  return { endpointId: input.endpointId };
}

function selectHandlers(input: StartReplayInput, known: readonly string[]): string[] {
  const named = input.handlers;
  if (input.target !== ReplayTarget.HANDLERS) {
    if (named != null && named.length > 0) throw badInput('handlers can be named only with target HANDLERS', ['input', 'handlers']);
    return [];
  }
  if (named == null) {
    if (known.length === 0) throw badInput('this hub runs no handlers, so there is nothing to replay to', ['input', 'target']);
    return [...known];
  }
  if (named.length === 0) throw badInput('name at least one handler, or leave handlers out for every handler', ['input', 'handlers']);
  named.forEach((name, i) => {
    if (!known.includes(name)) throw badInput(`unknown handler "${name}"; this hub runs: ${known.join(', ') || 'none'}`, ['input', 'handlers', String(i)]);
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
