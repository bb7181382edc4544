import { isHubError, type HubError } from '../src/errors.ts';

/**
 * A subscription stream that ends with a coded error (CURSOR_EXPIRED, SLOW_CONSUMER, NOT_FOUND,
 * UNAVAILABLE) yields it as a value, so the field's `resolve` can throw it: the client then gets a
 * regular GraphQL result with `extensions.code` instead of a torn connection.
 */
export type CodedEndItem<T> = T | { streamError: HubError };

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/**
 * Wraps `source` so that a coded error becomes one last item and the stream then completes; any
 * other error is thrown on. Deliberately not an async generator: a generator suspended in `await
 * next()` cannot run `return()` until an item arrives, so an unsubscribe on a quiet stream would
 * leak the source; this forwards `return()` at once. A class: a hub holds one per subscriber, so
 * its methods are shared rather than made for each.
 */
export class CodedEndStream<T> implements AsyncIterableIterator<CodedEndItem<T>> {
  private ended = false;

  private readonly source: AsyncIterator<T>;

  constructor(source: AsyncIterator<T>) {
    this.source = source;
  }

  async next(): Promise<IteratorResult<CodedEndItem<T>>> {
    if (this.ended) return DONE;
    try {
      return await this.source.next();
    } catch (error) {
      if (!isHubError(error)) throw error;
      this.ended = true;
      return { done: false, value: { streamError: error } };
    }
  }

  async return(): Promise<IteratorResult<CodedEndItem<T>>> {
    this.ended = true;
    await this.source.return?.();
    return DONE;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<CodedEndItem<T>> {
    return this;
  }
}
