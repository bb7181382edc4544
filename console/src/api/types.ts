/** The shapes the console reads from its queries (api/queries.ts). */

export interface EventSummary {
  id: string;
  type: string;
  subject: string | null;
  position: string;
  timestamp: string;
  source: { type: string; id: string };
}

export interface HandlerOutcome {
  handler: string;
  status: string;
  attempts: number;
  lastAttemptAt: string | null;
  durationMs: number | null;
  followUps: string[];
  error: { code: string; message: string } | null;
}

export interface EventDetail extends EventSummary {
  version: string;
  receivedAt: string;
  payload: unknown;
  metadata: Record<string, unknown> & {
    correlationId: string | null;
    causationId: string | null;
    idempotencyKey: string | null;
  };
  causedBy: EventSummary | null;
  caused: Connection<EventSummary>;
  processing: HandlerOutcome[];
}

export interface Connection<T> {
  edges: { node: T }[];
  pageInfo: { hasNextPage: boolean; endCursor?: string | null };
}

export interface DeadLetter {
  id: string;
  handler: string;
  deadAt: string;
  error: { code: string; message: string; attempts: number };
  event: EventSummary;
}

export interface ReplayJob {
  id: string;
  status: 'PENDING' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED';
  target: 'HANDLERS' | 'REPUBLISH';
  dryRun: boolean;
  progress: number;
  processed: number;
  failed: number;
  total: number | null;
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
  cancelRequested: boolean;
}

export interface FilterPreview {
  count: number;
  capped: boolean;
  samples: EventSummary[];
}

export interface HandlerStatus {
  name: string;
  eventTypes: string[];
  priority: number;
  lag: number;
  processed: number;
  failed: number;
}
