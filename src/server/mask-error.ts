import { randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { ErrorCode, isHubError } from '../errors.ts';
import type { YogaLogger } from 'graphql-yoga';
import type { Logger } from '../logger.ts';

/**
 * The one place errors become what clients see. HubErrors and GraphQL's own
 * coded errors pass with their `extensions.code`; anything else is masked and
 * logged, at error with its stack, under a correlation id the client can quote.
 *
 * `yogaLogger` is what Yoga logs through. Yoga logs every error the masker
 * changed at `error` (twice on some paths), with its stack; so a client that
 * sends no key, or a bad document, would fill the error log. Through it, a
 * client's error is one line at info (warn for UNAVAILABLE) with its code and
 * message and no stack; an unexpected one is left to the masker's own line.
 */
export function createErrorMasker(log: Logger) {
  const seen = new WeakSet<object>();
  const maskError = (error: unknown): Error => {
    const client = toClientError(error);
    if (client) return client;
    const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
    const correlationId = randomUUID();
    if (typeof error === 'object' && error !== null) seen.add(error);
    log.error({ err: original, correlationId }, 'unexpected error');
    return new GraphQLError('Unexpected error; quote the correlationId when you report it', {
      ...location(error),
      extensions: { code: ErrorCode.INTERNAL, correlationId },
    });
  };
  const yogaLog = log.child({ component: 'yoga' });
  const logError = (error: unknown) => {
    if (typeof error === 'object' && error !== null) {
      if (seen.has(error)) return;
      seen.add(error);
    }
    const client = toClientError(error);
    if (!client) return yogaLog.error({ err: error }, 'unexpected error');
    const code = client.extensions.code;
    yogaLog[code === ErrorCode.UNAVAILABLE ? 'warn' : 'info'](
      { code, message: client.message },
      'request answered with a client error',
    );
  };
  const passOn =
    (level: 'debug' | 'info' | 'warn') =>
    (...args: unknown[]) =>
      void Reflect.apply(yogaLog[level], yogaLog, args);
  const yogaLogger: YogaLogger = {
    debug: passOn('debug'),
    info: passOn('info'),
    warn: passOn('warn'),
    error: (...args: unknown[]) => args.forEach(logError),
  };
  return { maskError, yogaLogger };
}

/** What the client sees of an error it caused (a coded error), or null for an unexpected one. */
function toClientError(error: unknown): GraphQLError | null {
  const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
  if (isHubError(original)) {
    return new GraphQLError(original.message, {
      ...location(error),
      extensions: {
        ...original.extensions,
        code: original.code,
        ...(original.inputPath && { inputPath: original.inputPath }),
      },
    });
  }
  if (original instanceof GraphQLError && typeof original.extensions.code === 'string') return original;
  if (isVariableError(error)) {
    // variables that do not fit their declared types: the message names the variable and the reason
    return new GraphQLError(error.message, { ...location(error), extensions: { code: ErrorCode.BAD_USER_INPUT } });
  }
  if (error instanceof GraphQLError && !error.originalError) {
    // parse and validation errors: the message is about the client's own document
    return new GraphQLError(error.message, {
      ...location(error),
      extensions: { ...error.extensions, code: error.extensions.code ?? 'GRAPHQL_VALIDATION_FAILED' },
    });
  }
  return null;
}

/**
 * graphql-js coerces variables before anything runs and reports each value
 * that does not fit as a located error without a response path, worded
 * `Variable "$name" ...`; its originalError is the scalar's or enum's reason.
 */
function isVariableError(error: unknown): error is GraphQLError {
  return error instanceof GraphQLError && error.path === undefined && error.message.startsWith('Variable "$');
}

/** Where in the document and response an error happened, when it is a GraphQL error. */
function location(error: unknown) {
  return error instanceof GraphQLError ? { nodes: error.nodes ?? null, path: error.path ?? null } : {};
}
