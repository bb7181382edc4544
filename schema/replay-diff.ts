import { MAX_DIFF_PAGE, replayDiff, type DifferenceNode } from '../resolvers/replay-diff.ts';
import type { ShadowFollowUp, ShadowOutcome } from '../src/replay/shadow-outcome.ts';
import { builder } from './builder.ts';
import { EventRef } from './event.ts';
import { HandlerOutcomeRef } from './event-processing.ts';
import { PageInfoRef } from './events-query.ts';

const ShadowStatusEnum = builder.enumType('ShadowOutcomeStatus', {
  description:
    "HANDLED: the shadow's one attempt succeeded; FAILED: it failed; SKIPPED: the shadow's eventTypes do not take the event (the live handler's do).",
  values: ['HANDLED', 'FAILED', 'SKIPPED'] as const,
});

const ShadowErrorRef = builder.objectRef<NonNullable<ShadowOutcome['error']>>('ShadowError').implement({
  fields: (t) => ({
    message: t.exposeString('message'),
    code: t.exposeString('code', {
      description: 'A hub error code, HANDLER_TIMEOUT, or HANDLER_ERROR for anything the handler threw.',
    }),
  }),
});

const ShadowFollowUpRef = builder.objectRef<ShadowFollowUp>('ShadowFollowUp').implement({
  description: 'A follow-up the shadow published: checked as publishEvent would, captured, never stored or published.',
  fields: (t) => ({
    type: t.exposeString('type'),
    subject: t.exposeString('subject', { nullable: true }),
    payload: t.field({
      type: 'JSON',
      nullable: true,
      description: "Null once the outcome's payloads pass 16 KiB; payloadHash still tells them apart.",
      resolve: (f) => f.payload,
    }),
    payloadHash: t.exposeString('payloadHash', {
      description: 'SHA-256 of the payload as JSON with sorted keys, hex.',
    }),
  }),
});

const ShadowOutcomeRef = builder.objectRef<ShadowOutcome>('ShadowOutcome').implement({
  description: 'What the shadow handler did with the event, its effects captured.',
  fields: (t) => ({
    status: t.field({ type: ShadowStatusEnum, resolve: (o) => o.status }),
    attempts: t.exposeInt('attempts', { description: '1, or 0 when SKIPPED: a replayed call is not retried.' }),
    durationMs: t.exposeInt('durationMs'),
    followUps: t.field({
      type: [ShadowFollowUpRef],
      description: 'In publish order, at most 100.',
      resolve: (o) => o.followUps,
    }),
    error: t.field({ type: ShadowErrorRef, nullable: true, resolve: (o) => o.error }),
  }),
});

const ReplayDifferenceRef = builder.objectRef<DifferenceNode>('ReplayDifference').implement({
  description: 'An event whose outcome or follow-ups a SHADOW replay found changed.',
  fields: (t) => ({
    event: t.field({ type: EventRef, resolve: (d) => d.event }),
    handler: t.exposeString('handler', { description: 'The handler the shadow ran.' }),
    live: t.field({
      type: HandlerOutcomeRef,
      nullable: true,
      description:
        'The trail entry of the handler it shadows when the job compared them; null when there was none (that handler does not take the event, has not reached it, or handled it before the trail).',
      resolve: (d) => d.live,
    }),
    shadow: t.field({ type: ShadowOutcomeRef, resolve: (d) => d.shadow }),
    changes: t.exposeStringList('changes', {
      description:
        'What differs: status (handled / failed / nothing done), error (its code, both failed), followUps.count, followUps.types, followUps.subjects, followUps.payloads (by hash).',
    }),
  }),
});

const ReplayDifferenceEdgeRef = builder
  .objectRef<{ cursor: string; node: DifferenceNode }>('ReplayDifferenceEdge')
  .implement({
    fields: (t) => ({
      cursor: t.exposeString('cursor'),
      node: t.field({ type: ReplayDifferenceRef, resolve: (e) => e.node }),
    }),
  });

const ReplayDifferenceConnectionRef = builder
  .objectRef<{
    edges: { cursor: string; node: DifferenceNode }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  }>('ReplayDifferenceConnection')
  .implement({
    fields: (t) => ({
      edges: t.field({ type: [ReplayDifferenceEdgeRef], resolve: (c) => c.edges }),
      pageInfo: t.field({ type: PageInfoRef, resolve: (c) => c.pageInfo }),
    }),
  });

builder.queryFields((t) => ({
  replayDiff: t.field({
    type: ReplayDifferenceConnectionRef,
    description: `What a SHADOW replay found changed, in event order (scope replay); at most ${MAX_DIFF_PAGE} a page. NOT_FOUND for an unknown job.`,
    args: { jobId: t.arg.id({ required: true }), first: t.arg.int({ defaultValue: 20 }), after: t.arg.string() },
    resolve: (_root, args, ctx) => replayDiff({ ...args, jobId: String(args.jobId) }, ctx),
  }),
}));
