import { randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { ErrorCode, isHubError } from '../errors.ts';
import type { Logger } from '../logger.ts';

/**
 * The one place errors become what clients see. HubErrors and GraphQL's own
 * coded errors pass with their `extensions.code`; anything else is masked and
 * logged under a correlation id the client can quote.
 */
export function createErrorMasker(log: Logger) {
  return (error: unknown): Error => {
    const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
    if (isHubError(original)) {
      return new GraphQLError(original.message, {
        ...location(error),
        extensions: { ...original.extensions, code: original.code, ...(original.inputPath && { inputPath: original.inputPath }) },
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
    const correlationId = randomUUID();
    log.error({ err: original, correlationId }, 'unexpected error');
    return new GraphQLError('Unexpected error; quote the correlationId when you report it', {
      ...location(error),
      extensions: { code: ErrorCode.INTERNAL, correlationId },
    });
  };
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
