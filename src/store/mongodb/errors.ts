import {
  MongoBulkWriteError,
  MongoError,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoOperationTimeoutError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
  type WriteError,
} from 'mongodb';
import { isHubError, unavailable } from '../../errors.ts';

export const DUPLICATE_KEY = 11000;

/**
 * Server codes that mean "this server cannot answer now" rather than "this
 * request is wrong": timeouts, failovers, shutdowns, unreachable hosts.
 */
const TRANSIENT_CODES = new Set([
  6, // HostUnreachable
  7, // HostNotFound
  50, // MaxTimeMSExpired
  64, // WriteConcernFailed
  89, // NetworkTimeout
  91, // ShutdownInProgress
  189, // PrimarySteppedDown
  10107, // NotWritablePrimary
  11600, // InterruptedAtShutdown
  11602, // InterruptedDueToReplStateChange
  13435, // NotPrimaryNoSecondaryOk
  13436, // NotPrimaryOrSecondary
]);

/**
 * Socket failures, which the driver can let through unwrapped: 7.x rethrows
 * the socket's error as is when it fails while a command waits to be written.
 */
const SOCKET_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTCONN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

export const isDuplicateKey = (error: unknown): boolean =>
  error instanceof MongoServerError && error.code === DUPLICATE_KEY;

/** True when the error says the server is unreachable, overloaded or failing over. */
export function isTransient(error: unknown): boolean {
  if (
    error instanceof MongoNetworkError ||
    error instanceof MongoServerSelectionError ||
    error instanceof MongoTopologyClosedError ||
    error instanceof MongoNotConnectedError ||
    error instanceof MongoOperationTimeoutError
  ) {
    return true;
  }
  if (error instanceof Error && SOCKET_CODES.has(String((error as NodeJS.ErrnoException).code))) return true;
  // insertMany / bulkWrite wrap a failure of the whole call (a refused connection) in a
  // MongoBulkWriteError that keeps the original as `errorResponse`.
  if (error instanceof MongoBulkWriteError && error.errorResponse instanceof Error && error.errorResponse !== error) {
    return isTransient(error.errorResponse);
  }
  if (!(error instanceof MongoError)) return false;
  return (
    (typeof error.code === 'number' && TRANSIENT_CODES.has(error.code)) || error.hasErrorLabel('RetryableWriteError')
  );
}

/**
 * The one place where driver errors become hub errors: transient ones become
 * UNAVAILABLE (the caller may retry), HubErrors pass through, and anything
 * else is rethrown as is so the server masks and logs it.
 */
export function toStoreError(error: unknown): unknown {
  if (isHubError(error)) return error;
  if (isTransient(error)) return unavailable('the event store', error);
  return error;
}

/** Runs a driver call, mapping its failure with `toStoreError`. */
export async function guard<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toStoreError(error);
  }
}

/**
 * The per-document errors of an unordered insertMany, or undefined when the
 * whole call failed (network, write concern): then nothing is known to be
 * acknowledged and the caller must treat every document as unwritten.
 */
export function writeErrorsOf(error: unknown): WriteError[] | undefined {
  if (!(error instanceof MongoBulkWriteError)) return undefined;
  if (error.result.getWriteConcernError()) return undefined;
  const errors = error.writeErrors;
  const list: readonly WriteError[] = Array.isArray(errors) ? errors : [errors as WriteError];
  return list.length ? [...list] : undefined;
}
