import { getOperationAST, type DocumentNode, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { AuditTrail } from '../audit/audit-trail.ts';
import { ErrorCode } from '../errors.ts';
import type { HubContext } from './context.ts';
import { actorOf } from './context.ts';
import { errorCodeOf } from './operation-log.ts';

/**
 * Tells the audit trail about every operation refused with UNAUTHENTICATED
 * or FORBIDDEN, whichever resolver refused it: queries and mutations when
 * they finish, subscriptions when they are set up.
 */
export function auditDenials(audit: AuditTrail): Plugin<HubContext> {
  const check = (args: { document: DocumentNode; operationName?: string | null | undefined; contextValue: unknown }, result: ExecutionResult) => {
    const denied = (result.errors ?? []).find((error) => {
      const code = errorCodeOf(error);
      return code === ErrorCode.UNAUTHENTICATED || code === ErrorCode.FORBIDDEN;
    });
    if (!denied) return;
    const ctx = args.contextValue as HubContext;
    const ast = getOperationAST(args.document, args.operationName);
    const scope = denied.extensions?.['scope'] ?? (denied.originalError as { extensions?: Record<string, unknown> } | undefined)?.extensions?.['scope'];
    audit.accessDenied({
      ...actorOf(ctx),
      tenantId: ctx.principal?.tenantId ?? null,
      code: errorCodeOf(denied) as 'UNAUTHENTICATED' | 'FORBIDDEN',
      scope: typeof scope === 'string' ? scope : undefined,
      operation: ast?.operation ?? 'unknown',
      fields: ast?.selectionSet.selections.flatMap((s) => (s.kind === 'Field' ? [s.name.value] : [])) ?? [],
    });
  };
  return {
    onExecute: ({ args }) => ({
      onExecuteDone: ({ result }) => {
        if (!(Symbol.asyncIterator in result)) check(args, result);
      },
    }),
    onSubscribe: ({ args }) => ({
      onSubscribeResult: ({ result }) => {
        if (!(Symbol.asyncIterator in result)) check(args, result);
      },
    }),
  };
}
