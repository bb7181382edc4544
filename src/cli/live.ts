import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { CliError } from './cli-error.ts';
import { baseUrl, hubFailure, type GraphQLFailure, type HubTarget } from './hub-client.ts';

export interface FollowOptions<T> {
  target: HubTarget;
  query: string;
  /** Asked at each (re)subscribe, so a resumed subscription continues `after` what arrived. */
  variables: () => Record<string, unknown>;
  /** Each result's data; answer true to stop following. */
  onData: (data: T) => boolean;
  /** Whether a completed subscription is the end (replayJob) or a reason to subscribe again. */
  endsOnComplete: boolean;
  /** Told before each reconnect, with why the connection ended. */
  onReconnect?: (reason: string) => void;
  /** Stops following (Ctrl-C). */
  signal?: AbortSignal;
}

/** Hub error codes after which subscribing again (after the last position) helps. */
const RETRYABLE = new Set(['SLOW_CONSUMER', 'UNAVAILABLE', 'TOO_MANY_SUBSCRIPTIONS']);
/** Close codes that say the hub refuses this client: reconnecting would be refused too. */
const REFUSED = new Map([
  [4400, 'BAD_REQUEST'],
  [4401, 'UNAUTHENTICATED'],
  [4403, 'UNAUTHENTICATED'],
  [4406, 'BAD_REQUEST'],
]);
const MAX_BACKOFF_MS = 5000;

type Ending = { done: true } | { done: false; reason: string };

/**
 * A graphql-ws subscription kept open across dropped connections and hub restarts: each time the
 * socket goes (1001 at a shutdown, a reset, a refused connect) it subscribes again with fresh
 * `variables()` after a backoff, until `onData` says stop, the signal aborts, or the hub refuses
 * the client or the operation (a CliError with the hub's code).
 */
export async function follow<T>(options: FollowOptions<T>): Promise<void> {
  for (let failures = 0; !options.signal?.aborted; ) {
    let received = false;
    const ending = await subscribeOnce(options, () => (received = true));
    if (ending.done) return;
    failures = received ? 1 : failures + 1;
    options.onReconnect?.(ending.reason);
    await sleep(Math.min(MAX_BACKOFF_MS, 100 * 2 ** failures), undefined, { signal: options.signal }).catch(
      () => undefined,
    );
  }
}

function subscribeOnce<T>(
  { target, query, variables, onData, endsOnComplete, signal }: FollowOptions<T>,
  onReceived: () => void,
): Promise<Ending> {
  const client = createClient({
    url: `${baseUrl(target.url).replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: target.token ? { authorization: `Bearer ${target.token}` } : {},
    retryAttempts: 0,
    lazy: true,
    keepAlive: 15_000,
  });
  return new Promise<Ending>((resolve, reject) => {
    const finish = (outcome: () => void) => {
      signal?.removeEventListener('abort', stop);
      void client.dispose();
      outcome();
    };
    const stop = () => finish(() => resolve({ done: true }));
    signal?.addEventListener('abort', stop, { once: true });
    client.subscribe<T>(
      { query, variables: variables() },
      {
        next: (result) => {
          if (result.errors?.length) return judge(result.errors as GraphQLFailure[]);
          onReceived();
          if (result.data && onData(result.data as T) === true) stop();
        },
        error: (error) => judge(error),
        complete: () =>
          finish(() =>
            resolve(endsOnComplete ? { done: true } : { done: false, reason: 'the hub completed the subscription' }),
          ),
      },
    );
    function judge(error: unknown): void {
      if (Array.isArray(error)) {
        const first = error[0] as GraphQLFailure;
        const code = first.extensions?.code;
        if (typeof code === 'string' && RETRYABLE.has(code))
          finish(() => resolve({ done: false, reason: first.message }));
        else finish(() => reject(hubFailure(first)));
        return;
      }
      const close = error as { code?: unknown; reason?: unknown; message?: unknown };
      const refused = typeof close.code === 'number' ? REFUSED.get(close.code) : undefined;
      if (refused) {
        finish(() =>
          reject(
            new CliError(`${refused}: ${String(close.reason || 'the hub refused the connection')}`, { code: refused }),
          ),
        );
        return;
      }
      const reason =
        typeof close.code === 'number'
          ? `connection closed (${close.code}${close.reason ? ` ${String(close.reason)}` : ''})`
          : `connection failed: ${String(close.message ?? error)}`;
      finish(() => resolve({ done: false, reason }));
    }
  });
}
