import { Scope } from '../src/config.ts';
import { badInput } from '../src/errors.ts';
import type { HubEvent } from '../src/events/event.ts';
import type { StartReplayInput } from '../src/replay/replay-input.ts';
import type { ReplayJob } from '../src/replay/replay-job.ts';
import { requireScope } from '../src/server/auth.ts';
import { actorOf, type HubContext } from '../src/server/context.ts';
import { CodedEndStream, type CodedEndItem } from './coded-end-stream.ts';
import { requestFilter } from './filter-request.ts';

/** Every replay operation needs the `replay` scope (or `admin`) and sees only the caller's tenant. */
const tenantOf = (ctx: HubContext) => requireScope(ctx.principal, Scope.REPLAY).tenantId;

export async function startReplay(input: StartReplayInput, ctx: HubContext): Promise<ReplayJob> {
  const tenantId = tenantOf(ctx);
  // Checked here against the request's budget; the service compiles it again (its REGEX patterns come from the cache).
  if (input.filter != null) await requestFilter(input.filter, ctx, ['input', 'filter']);
  const job = await ctx.services.replays.create(tenantId, input);
  ctx.services.audit.replayRequested(job, actorOf(ctx));
  return job;
}

export async function cancelReplay(id: string, ctx: HubContext): Promise<ReplayJob> {
  const job = await ctx.services.replays.cancel(tenantOf(ctx), id);
  ctx.services.audit.replayCancelled(job, actorOf(ctx));
  return job;
}

export function replayJob(id: string, ctx: HubContext): Promise<ReplayJob | null> {
  return ctx.services.replays.get(tenantOf(ctx), id);
}

export async function replayJobs(
  args: { first?: number | null | undefined; after?: string | null | undefined },
  ctx: HubContext,
) {
  const tenantId = tenantOf(ctx);
  const first = args.first ?? 20;
  const { maxPageSize } = ctx.services.limits;
  if (!Number.isInteger(first) || first < 1 || first > maxPageSize)
    throw badInput(`"first" must be between 1 and ${maxPageSize}`, ['first']);
  const page = await ctx.services.replays.list(tenantId, { first, ...(args.after != null && { after: args.after }) });
  const edges = page.jobs.map((node) => ({ cursor: node.id, node }));
  return { edges, pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null } };
}

/** The sample's events that still exist in the job's tenant. */
export async function sampleEvents(job: ReplayJob, ctx: HubContext): Promise<HubEvent[]> {
  const events = await Promise.all(job.sample.map((id) => ctx.services.store.get(job.tenantId, id)));
  return events.filter((event): event is HubEvent => event !== null);
}

export type ReplayStreamItem = CodedEndItem<ReplayJob>;

/**
 * Subscription.replayJob: the job whenever it changes until it is final. A
 * coded error (NOT_FOUND, UNAVAILABLE) becomes one last result with
 * `extensions.code`, as Subscription.events does, then the stream completes.
 */
export function replayJobStream(id: string, ctx: HubContext): AsyncIterableIterator<ReplayStreamItem> {
  return new CodedEndStream(ctx.services.replays.watch(tenantOf(ctx), id));
}

export function resolveReplayItem(item: ReplayStreamItem): ReplayJob {
  if ('streamError' in item) throw item.streamError;
  return item;
}
