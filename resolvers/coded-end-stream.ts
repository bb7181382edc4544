import { isHubError, type HubError } from '../src/errors.ts';

/**
 * A subscription stream that ends with a coded error (CURSOR_EXPIRED, SLOW_CONSUMER, NOT_FOUND,
 * UNAVAILABLE) yields it as a value, so the field's `resolve` can throw it: the client then gets a
 * regular GraphQL result with `extensions.code` instead of a torn connection.
 */
export type CodedEndItem<T> = T | { streamError: HubError };

/**
 * Wraps `source` so that a coded error becomes one last item and the stream then completes; any
 * other error is thrown on. Deliberately not an async generator: a generator suspended in `await
 * next()` cannot run `return()` until an item arrives, so an unsubscribe on a quiet stream would
 * leak the source. This iterator forwards `return()` to the source at once.
 */
export function endWithCodedError<T>(source: AsyncIterator<T>): AsyncIterableIterator<CodedEndItem<T>> {
  let ended = false;
  const done = (): IteratorResult<CodedEndItem<T>> => ({ done: true, value: undefined });
  return {
    async next() {
      if (ended) return done();
      try {
        return await source.next();
      } catch (error) {
        if (!isHubError(error)) throw error;
        ended = true;
        return { done: false, value: { streamError: error } };
      }
    },
    async return() {
      ended = true;
      await source.return?.();
      return done();
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
