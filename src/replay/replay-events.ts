import type { HubEvent, PendingEvent } from '../events/event.ts';
import { newEventId } from '../events/ids.ts';
import { systemEvent } from '../events/system-event.ts';
import type { ReplayJob } from './replay-job.ts';

export const REPLAY_STARTED = 'system.replay.started';
export const REPLAY_COMPLETED = 'system.replay.completed';

/**
 * The idempotency key of the event that replays `originalEventId` in `jobId`.
 * It replaces the original's key, which would make the replay a DUPLICATE of
 * the original; derived from the job and the original, it makes a retry or a
 * takeover of the job a DUPLICATE instead: one new event per original.
 */
export const replayKey = (jobId: string, originalEventId: string) => `replay:${jobId}:${originalEventId}`;

/**
 * REPUBLISH: a new event for `original`, with a new id, the original
 * timestamp, type, source, subject, payload and metadata, and
 * `metadata.replay { jobId, originalEventId }`.
 */
export function replayedEvent(original: HubEvent, jobId: string, now: Date): PendingEvent {
  const { position: _position, id, metadata, ...rest } = original;
  const { idempotencyKey: _replaced, replay: _earlier, ...kept } = metadata;
  return {
    ...rest,
    id: newEventId(now.getTime()),
    receivedAt: now,
    metadata: { ...kept, idempotencyKey: replayKey(jobId, id), replay: { jobId, originalEventId: id } },
  };
}

/**
 * `system.replay.started` / `system.replay.completed` in the job's tenant,
 * from source SYSTEM `replay`, correlated by the job id. Their keys make each
 * one once per job, whichever process emits it and however often.
 */
export function replaySystemEvent(job: ReplayJob, phase: 'started' | 'completed', now: Date): PendingEvent {
  // A job does not count before it starts (only a dry run does, and it emits neither event): totals come at the end.
  const counts =
    phase === 'started' ? {} : { status: job.status, total: job.total, processed: job.processed, failed: job.failed };
  const type = phase === 'started' ? REPLAY_STARTED : REPLAY_COMPLETED;
  const payload = {
    jobId: job.id,
    target: job.target,
    ...(job.target === 'HANDLERS' && { handlers: job.handlers }),
    ...(job.endpointId !== undefined && { endpointId: job.endpointId }),
    ...counts,
  };
  return systemEvent(
    'replay',
    type,
    job.tenantId,
    payload,
    { correlationId: job.id, idempotencyKey: `replay:${job.id}:${phase}` },
    now,
  );
}
