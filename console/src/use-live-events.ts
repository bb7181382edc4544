import { useEffect, useRef, useState } from 'preact/hooks';
import { subscribe } from './api/live.ts';
import { LIVE_EVENTS } from './api/queries.ts';
import type { EventSummary } from './api/types.ts';
import { useSession } from './session-context.ts';

export type LiveStatus = 'idle' | 'live' | 'paused' | 'failed';

export interface LiveEvents {
  /** Newest first, at most `maxRows`: older ones leave the page, so it stays fast at any rate. */
  rows: EventSummary[];
  status: LiveStatus;
  error: string | null;
  /** Events received in the last full second. */
  rate: number;
  received: number;
  start(filter: Record<string, unknown>): void;
  pause(): void;
  /** Subscribes again with `after` = the last position received: nothing missed, nothing twice. */
  resume(): void;
}

/**
 * A live tail of `Subscription.events`. Events are collected as they arrive and rendered once per
 * animation frame, however many came in between, so 1,000 events a second cost 60 renders.
 */
export function useLiveEvents(maxRows: number): LiveEvents {
  const { live } = useSession();
  const [rows, setRows] = useState<EventSummary[]>([]);
  const [status, setStatus] = useState<LiveStatus>('idle');
  const [error, setError] = useState<string | null>(null);
  const [rate, setRate] = useState(0);
  const [received, setReceived] = useState(0);
  const state = useRef({
    pending: [] as EventSummary[],
    frame: 0,
    count: 0,
    total: 0,
    after: null as string | null,
    filter: {} as Record<string, unknown>,
    stop: null as (() => void) | null,
  });

  function flush() {
    const s = state.current;
    s.frame = 0;
    const batch = s.pending.reverse();
    s.pending = [];
    setRows((previous) => [...batch, ...previous].slice(0, maxRows));
    setReceived(s.total);
  }

  function open(after: string | null) {
    const s = state.current;
    s.stop?.();
    setError(null);
    setStatus('live');
    s.stop = subscribe<EventSummary>(live, LIVE_EVENTS, { filter: s.filter, after }, 'events', {
      next(event) {
        s.pending.push(event);
        s.after = event.position;
        s.count += 1;
        s.total += 1;
        s.frame ||= requestAnimationFrame(flush);
      },
      error(message) {
        s.stop = null;
        setError(message);
        setStatus('failed');
      },
      complete() {
        s.stop = null;
      },
    });
  }

  useEffect(() => {
    const timer = setInterval(() => {
      setRate(state.current.count);
      state.current.count = 0;
    }, 1000);
    return () => {
      clearInterval(timer);
      state.current.stop?.();
      cancelAnimationFrame(state.current.frame);
    };
  }, []);

  return {
    rows,
    status,
    error,
    rate,
    received,
    start(filter) {
      Object.assign(state.current, { filter, after: null, total: 0, pending: [] });
      setRows([]);
      open(null);
    },
    pause() {
      state.current.stop?.();
      state.current.stop = null;
      setStatus('paused');
    },
    resume: () => open(state.current.after),
  };
}
