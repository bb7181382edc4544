import { getOperationAST, type GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { isHubError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { HubContext } from './context.ts';

/** What an `onExecute` / `onSubscribe` hook may return: hooks for the operation's later phases. */
export type ExecuteHooks = Extract<
  ReturnType<NonNullable<Plugin<HubContext>['onExecute']>>,
  { onExecuteDone?: unknown }
>;
export type SubscribeHooks = Extract<
  ReturnType<NonNullable<Plugin<HubContext>['onSubscribe']>>,
  { onSubscribeResult?: unknown }
>;

/** An error's `extensions.code`, before or after masking; INTERNAL for anything uncoded. */
export function errorCodeOf(error: GraphQLError): string {
  const code = error.extensions?.['code'] ?? (isHubError(error.originalError) ? error.originalError.code : undefined);
  return typeof code === 'string' ? code : 'INTERNAL';
}

/**
 * The request's fields on a log line: requestId, tenantId and, when the caller sent a
 * `traceparent`, traceId. A child logger is built only for a line that is written: pino
 * serializes a child's fields when it is made, which every request would pay for.
 */
export const requestLog = (log: Logger, ctx: HubContext): Logger =>
  log.child({
    requestId: ctx.requestId,
    tenantId: ctx.principal?.tenantId,
    ...(ctx.trace && { traceId: ctx.trace.traceId }),
  });

/** Told how long each operation took (metrics): for a query or mutation its execution, for a subscription setting its stream up. */
export type OperationTimer = (operation: string, seconds: number) => void;

/**
 * Watches every GraphQL operation: its time goes to `onOperation`, and it gets
 * one log line with the request's fields (`requestLog`): at `info` when the
 * result carries errors, with their codes, otherwise at `debug`, so a busy hub
 * at the default level logs only what went wrong. Variables and results are
 * never logged (they hold payloads and keys). The start time waits on the
 * context (`operationStartedAt`), and every operation shares the same hook
 * objects (the payload carries the arguments).
 */
export function observeOperations(log: Logger, onOperation?: OperationTimer): Plugin<HubContext> {
  const since = (ctx: HubContext) => performance.now() - (ctx.operationStartedAt ?? performance.now());
  const executeDone: ExecuteHooks = {
    onExecuteDone: ({ args, result }) => {
      const ms = since(args.contextValue);
      const ast = getOperationAST(args.document, args.operationName);
      onOperation?.(ast?.operation ?? 'unknown', ms / 1000);
      if (Symbol.asyncIterator in result) return; // a subscription's stream: it is logged when set up, not per event
      const failed = (result.errors?.length ?? 0) > 0;
      if (!failed && !log.isLevelEnabled('debug')) return; // the common case at the default level: nothing to build
      const fields = { operation: ast?.operation ?? 'unknown', operationName: ast?.name?.value, ms: Math.round(ms) };
      const line = requestLog(log, args.contextValue);
      if (failed)
        line.info({ ...fields, errors: result.errors!.map(errorCodeOf) }, 'graphql operation answered with errors');
      else line.debug(fields, 'graphql operation');
    },
  };
  const subscribeResult: SubscribeHooks = {
    onSubscribeResult: ({ args }) => onOperation?.('subscription', since(args.contextValue as HubContext) / 1000),
  };
  return {
    onExecute: ({ args }) => {
      args.contextValue.operationStartedAt = performance.now();
      return executeDone;
    },
    onSubscribe: ({ args }) => {
      const ctx = args.contextValue as HubContext;
      ctx.operationStartedAt = performance.now();
      if (log.isLevelEnabled('debug')) {
        const ast = getOperationAST(args.document, args.operationName);
        requestLog(log, ctx).debug(
          { operation: 'subscription', operationName: ast?.name?.value },
          'graphql subscription',
        );
      }
      return subscribeResult;
    },
  };
}
