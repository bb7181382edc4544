import { getOperationAST, type DocumentNode, type ExecutionResult, type GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { AuditTrail } from '../audit/audit-trail.ts';
import { ErrorCode } from '../errors.ts';
import { actorOf, type HubContext } from './context.ts';
import { errorCodeOf, type ExecuteHooks, type SubscribeHooks } from './operation-log.ts';

const DENIED: ReadonlySet<string> = new Set([ErrorCode.UNAUTHENTICATED, ErrorCode.FORBIDDEN]);

/**
 * Tells the audit trail about every operation refused with UNAUTHENTICATED,
 * FORBIDDEN or RATE_LIMITED, whichever resolver refused it: queries and
 * mutations when they finish, subscriptions when they are set up. Here the
 * whole request is known (key, request id, trace, operation), which the
 * code that refuses does not have.
 */
export function auditRefusals(audit: AuditTrail): Plugin<HubContext> {
  const check = (
    args: { document: DocumentNode; operationName?: string | null | undefined; contextValue: unknown },
    result: ExecutionResult,
  ) => {
    const errors = result.errors ?? [];
    const denied = errors.find((error) => DENIED.has(errorCodeOf(error)));
    const limited = errors.find((error) => errorCodeOf(error) === ErrorCode.RATE_LIMITED);
    if (!denied && !limited) return;
    const ctx = args.contextValue as HubContext;
    const ast = getOperationAST(args.document, args.operationName);
    const operation = ast?.operation ?? 'unknown';
    const fields = ast?.selectionSet.selections.flatMap((s) => (s.kind === 'Field' ? [s.name.value] : [])) ?? [];
    if (denied) {
      const scope = extension(denied, 'scope');
      audit.accessDenied({
        ...actorOf(ctx),
        tenantId: ctx.principal?.tenantId ?? null,
        code: errorCodeOf(denied) as 'UNAUTHENTICATED' | 'FORBIDDEN',
        scope: typeof scope === 'string' ? scope : undefined,
        operation,
        fields,
      });
    }
    if (limited && ctx.principal) {
      audit.rateLimited({
        ...actorOf(ctx),
        tenantId: ctx.principal.tenantId,
        fields,
        limit: Number(extension(limited, 'limit')),
        retryAfterMs: Number(extension(limited, 'retryAfterMs')),
      });
    }
  };
  // One hook object for every operation: the payload carries the arguments, so nothing is made per request.
  const executeDone: ExecuteHooks = {
    onExecuteDone: ({ args, result }) => {
      if (!(Symbol.asyncIterator in result)) check(args, result);
    },
  };
  const subscribeResult: SubscribeHooks = {
    onSubscribeResult: ({ args, result }) => {
      if (!(Symbol.asyncIterator in result)) check(args, result);
    },
  };
  return {
    onExecute: () => executeDone,
    onSubscribe: () => subscribeResult,
  };
}

/** An extension of a coded error, before or after masking. */
function extension(error: GraphQLError, name: string): unknown {
  return (
    error.extensions?.[name] ??
    (error.originalError as { extensions?: Record<string, unknown> } | undefined)?.extensions?.[name]
  );
}
