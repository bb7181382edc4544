import {
  cancelReplay,
  replayJob,
  replayJobs,
  replayJobStream,
  resolveReplayItem,
  sampleEvents,
  startReplay,
} from '../resolvers/replay.ts';
import { progressOf, ReplayStatus, ReplayTarget, type ReplayJob } from '../src/replay/replay-job.ts';
import { builder } from './builder.ts';
import { EventRef } from './event.ts';
import { EventFilterInput } from './event-filter.ts';
import { PageInfoRef } from './events-query.ts';

const ReplayTargetEnum = builder.enumType('ReplayTarget', {
  description:
    'HANDLERS: re-run typed handlers on the stored events. REPUBLISH: publish each as a new event to subscribers and handlers. ' +
    "ENDPOINT: send them again to one webhook endpoint (`endpointId`; the endpoint's filter applies too). " +
    'SHADOW: run handlers (by default the shadow handlers) with their effects captured, and list in replayDiff where they differ from the live trail; stores nothing else.',
  values: Object.values(ReplayTarget),
});

const ReplayStatusEnum = builder.enumType('ReplayStatus', {
  description: 'COMPLETED, FAILED and CANCELLED are final.',
  values: Object.values(ReplayStatus),
});

const StartReplayInput = builder.inputType('StartReplayInput', {
  fields: (t) => ({
    filter: t.field({
      type: EventFilterInput,
      required: true,
      description: 'The events to replay; from/to strongly advised.',
    }),
    target: t.field({ type: ReplayTargetEnum, required: true }),
    handlers: t.stringList({
      description:
        'With HANDLERS or SHADOW: which handlers (default: every live handler for HANDLERS, every shadow handler for SHADOW; each on the events its eventTypes match).',
    }),
    dryRun: t.boolean({ defaultValue: false, description: 'Only count (`total`) and keep a sample; no side effects.' }),
    endpointId: t.id({ description: 'With ENDPOINT: the webhook endpoint to send to.' }),
  }),
});

const optionalDate = (pick: (job: ReplayJob) => Date | undefined) => (job: ReplayJob) => pick(job) ?? null;

const ReplayJobRef = builder.objectRef<ReplayJob>('ReplayJob').implement({
  description:
    "A replay of your tenant's stored events, up to the newest one when it began, in position order. " +
    'processed + failed events are done; progress says how far it is.',
  fields: (t) => ({
    id: t.exposeID('id'),
    status: t.field({ type: ReplayStatusEnum, resolve: (job) => job.status }),
    filter: t.field({
      type: 'JSON',
      description: 'The filter as given (dates as ISO strings).',
      resolve: (job) => job.filter,
    }),
    target: t.field({ type: ReplayTargetEnum, resolve: (job) => job.target }),
    handlers: t.stringList({
      description: 'HANDLERS and SHADOW: the handlers it runs. Empty for the other targets.',
      resolve: (job) => job.handlers,
    }),
    endpointId: t.id({
      nullable: true,
      description: 'ENDPOINT: the webhook endpoint it sends to.',
      resolve: (job) => job.endpointId ?? null,
    }),
    differences: t.int({
      nullable: true,
      description:
        'SHADOW: events (per handler) whose outcome or follow-ups differ from the live trail so far; see replayDiff. Null for other targets.',
      resolve: (job) => job.differences ?? null,
    }),
    dryRun: t.exposeBoolean('dryRun'),
    total: t.int({
      nullable: true,
      description:
        'Matching events: a dry run counts them first; any other job knows them once COMPLETED (processed + failed). Null until then.',
      resolve: (job) => job.total,
    }),
    progress: t.float({
      description:
        'How much of the position range the job covers (up to the newest event when it began) is behind it, from 0 to 1: exact for a replay of everything, an estimate under a filter; 1 once COMPLETED.',
      resolve: (job) => progressOf(job),
    }),
    processed: t.exposeInt('processed', {
      description:
        'Events done: every handler succeeded (HANDLERS, SHADOW), the new event is stored (REPUBLISH), or the event is queued for delivery (ENDPOINT).',
    }),
    failed: t.exposeInt('failed', {
      description:
        'Events given up on: a handler failed, or the run was interrupted by a crash (never run twice), or the store refused the new event.',
    }),
    sample: t.field({
      type: [EventRef],
      description: 'The first few matching events (at most 10): counted by a dry run, or the first the job dealt with.',
      resolve: (job, _args, ctx) => sampleEvents(job, ctx),
    }),
    cancelRequested: t.exposeBoolean('cancelRequested', {
      description: 'A cancel was asked; the job stops within a second.',
    }),
    createdAt: t.field({ type: 'DateTime', resolve: (job) => job.createdAt }),
    startedAt: t.field({ type: 'DateTime', nullable: true, resolve: optionalDate((job) => job.startedAt) }),
    finishedAt: t.field({ type: 'DateTime', nullable: true, resolve: optionalDate((job) => job.finishedAt) }),
    error: t.string({ nullable: true, description: 'Why it FAILED.', resolve: (job) => job.error ?? null }),
  }),
});

const ReplayJobEdgeRef = builder.objectRef<{ cursor: string; node: ReplayJob }>('ReplayJobEdge').implement({
  fields: (t) => ({ cursor: t.exposeString('cursor'), node: t.field({ type: ReplayJobRef, resolve: (e) => e.node }) }),
});

const ReplayJobConnectionRef = builder
  .objectRef<{
    edges: { cursor: string; node: ReplayJob }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  }>('ReplayJobConnection')
  .implement({
    fields: (t) => ({
      edges: t.field({ type: [ReplayJobEdgeRef], resolve: (c) => c.edges }),
      pageInfo: t.field({ type: PageInfoRef, resolve: (c) => c.pageInfo }),
    }),
  });

builder.queryFields((t) => ({
  replayJob: t.field({
    type: ReplayJobRef,
    nullable: true,
    description: 'One of your replay jobs (scope replay); null for an unknown id.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => replayJob(String(args.id), ctx),
  }),
  replayJobs: t.field({
    type: ReplayJobConnectionRef,
    description: 'Your replay jobs, newest first (scope replay).',
    args: { first: t.arg.int({ defaultValue: 20 }), after: t.arg.string() },
    resolve: (_root, args, ctx) => replayJobs(args, ctx),
  }),
}));

builder.mutationFields((t) => ({
  startReplay: t.field({
    type: ReplayJobRef,
    description: 'Starts a replay of your stored events (scope replay). Watch it with Subscription.replayJob.',
    args: { input: t.arg({ type: StartReplayInput, required: true }) },
    resolve: (_root, args, ctx) =>
      startReplay(
        { ...args.input, endpointId: args.input.endpointId == null ? null : String(args.input.endpointId) },
        ctx,
      ),
  }),
  cancelReplay: t.field({
    type: ReplayJobRef,
    description:
      'Stops a replay within a second (a PENDING one at once) and returns it; a final job is returned as is.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => cancelReplay(String(args.id), ctx),
  }),
}));

builder.subscriptionField('replayJob', (t) =>
  t.field({
    type: ReplayJobRef,
    description:
      'The job now and whenever it changes, until a final status (COMPLETED, FAILED, CANCELLED); then the subscription completes.',
    args: { id: t.arg.id({ required: true }) },
    subscribe: (_root, args, ctx) => replayJobStream(String(args.id), ctx),
    resolve: resolveReplayItem,
  }),
);
