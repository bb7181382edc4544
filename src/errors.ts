/**
 * The hub's one error class. Every failure a caller can see carries a `code`
 * that becomes `extensions.code` in GraphQL; anything that is not a HubError
 * is masked before it leaves the server.
 */
export const ErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  RATE_LIMITED: 'RATE_LIMITED',
  CURSOR_EXPIRED: 'CURSOR_EXPIRED',
  UNAVAILABLE: 'UNAVAILABLE',
  NOT_FOUND: 'NOT_FOUND',
  SLOW_CONSUMER: 'SLOW_CONSUMER',
  TOO_MANY_SUBSCRIPTIONS: 'TOO_MANY_SUBSCRIPTIONS',
  COLD_SEGMENT_DAMAGED: 'COLD_SEGMENT_DAMAGED',
  INTERNAL: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface HubErrorOptions {
  /**
   * Where in the input the problem is, e.g. `['payload', 'amount']`. Not
   * `path`: graphql-js takes an error with an array `path` for one it has
   * already located in the response, and would pass it on unlocated.
   */
  inputPath?: readonly string[];
  /** Extra fields for `extensions`, e.g. `{ retryAfterMs: 250 }`. */
  extensions?: Record<string, unknown>;
  cause?: unknown;
}

export class HubError extends Error {
  override readonly name = 'HubError';
  readonly code: ErrorCode;
  readonly inputPath: readonly string[] | undefined;
  readonly extensions: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: HubErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.inputPath = options.inputPath;
    this.extensions = options.extensions ?? {};
  }
}

export const badInput = (message: string, inputPath?: readonly string[]) =>
  new HubError(ErrorCode.BAD_USER_INPUT, message, inputPath ? { inputPath } : {});
export const unauthenticated = (message = 'a valid API key is required') =>
  new HubError(ErrorCode.UNAUTHENTICATED, message);
export const forbidden = (scope: string) =>
  new HubError(ErrorCode.FORBIDDEN, `this API key lacks the "${scope}" scope`, { extensions: { scope } });
export const payloadTooLarge = (bytes: number, limit: number) =>
  new HubError(ErrorCode.PAYLOAD_TOO_LARGE, `event is ${bytes} bytes; the limit is ${limit}`, {
    extensions: { bytes, limit },
  });
/**
 * A resume position the store cannot continue from: evicted (too old), or never handed out (beyond the head).
 * An evicted one names, when the store knows it, the highest position that has left it (`purgedThrough`):
 * `extensions.oldestPosition` is the oldest position still served and `resumeAfter` the cursor that reads
 * everything still served.
 */
export const cursorExpired = (position: string, why: 'evicted' | 'beyond-head', purgedThrough?: number) =>
  new HubError(
    ErrorCode.CURSOR_EXPIRED,
    why === 'evicted'
      ? `position ${position} is older than the store can serve; start again without after${purgedThrough ? ` or after ${purgedThrough}` : ''}`
      : `position ${position} is beyond the newest stored event, so it did not come from this hub's store`,
    purgedThrough
      ? { extensions: { oldestPosition: String(purgedThrough + 1), resumeAfter: String(purgedThrough) } }
      : {},
  );
/** A publish over its rate limit; nothing of it was stored. `events` more than `limit` never fits: the batch must be split. */
export const rateLimited = (retryAfterMs: number, limit: number, events: number) =>
  new HubError(
    ErrorCode.RATE_LIMITED,
    events > limit
      ? `a batch of ${events} events is more than the rate limit of ${limit} events per second allows; send at most ${limit} at a time`
      : `rate limit of ${limit} events per second reached; retry in ${retryAfterMs} ms`,
    { extensions: { retryAfterMs, limit } },
  );
/**
 * A subscription refused because `scope` (this socket, the tenant, or the hub process) already holds
 * `limit` of them. Not RATE_LIMITED: waiting does not help, ending another subscription does.
 */
export const tooManySubscriptions = (scope: 'socket' | 'tenant' | 'process', limit: number) =>
  new HubError(
    ErrorCode.TOO_MANY_SUBSCRIPTIONS,
    scope === 'process'
      ? `this hub instance already serves ${limit} subscriptions; retry later (another instance may take it)`
      : `${scope === 'socket' ? 'this connection' : 'your tenant'} already has ${limit} subscriptions open; complete one before starting another`,
    { extensions: { scope, limit } },
  );
/**
 * A cold segment a read reached is missing or does not match its manifest: its events cannot be
 * served until an operator restores it (docs/OPERATIONS.md). Never a silent gap: the read stops
 * there, and `resumeAfter` is the cursor that skips the segment for whoever accepts the loss.
 */
export const coldSegmentDamaged = (
  tenantId: string,
  segment: { day: string | null; firstPosition: number; lastPosition: number },
  cause?: unknown,
) =>
  new HubError(
    ErrorCode.COLD_SEGMENT_DAMAGED,
    `the cold segment holding positions ${segment.firstPosition} to ${segment.lastPosition}${segment.day ? ` (day ${segment.day})` : ''} is missing or damaged; it must be restored before they can be read`,
    {
      cause,
      extensions: {
        tenantId,
        day: segment.day,
        firstPosition: String(segment.firstPosition),
        lastPosition: String(segment.lastPosition),
        resumeAfter: String(segment.lastPosition),
      },
    },
  );
export const unavailable = (what: string, cause?: unknown) =>
  new HubError(ErrorCode.UNAVAILABLE, `${what} is unavailable; retry later`, { cause });

export const isHubError = (error: unknown): error is HubError => error instanceof HubError;
