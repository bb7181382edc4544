import { useEffect, useState } from 'preact/hooks';
import { subscribe } from './api/live.ts';
import { WATCH_REPLAY } from './api/queries.ts';
import type { ReplayJob } from './api/types.ts';
import { useSession } from './session-context.ts';

/** A replay job as `Subscription.replayJob` reports it, from `initial` until a final status. */
export function useReplayJob(initial: ReplayJob): { job: ReplayJob; error: string | null } {
  const { live } = useSession();
  const [job, setJob] = useState(initial);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setJob(initial);
    return subscribe<ReplayJob>(live, WATCH_REPLAY, { id: initial.id }, 'replayJob', {
      next: setJob,
      error: setError,
      complete: () => {},
    });
  }, [initial.id]);
  return { job, error };
}
