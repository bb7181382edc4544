import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { AuditTrail } from '../audit/audit-trail.ts';
import type { Scope } from '../config.ts';
import { ErrorCode, HubError, isHubError } from '../errors.ts';
import { parseTraceContext } from '../events/trace-context.ts';
import { requireScope, type Authenticator, type Principal } from '../server/auth.ts';

/**
 * The caller of a door request, with `scope`: an API key or JWT in `Authorization: Bearer`, as on
 * /graphql. Throws UNAUTHENTICATED (with the reason a token was refused) or FORBIDDEN, having told
 * the audit trail, which samples denials as it does GraphQL's. `operation` names the door in the
 * audit event (`POST /events`).
 */
export async function principalFor(
  req: IncomingMessage,
  scope: Scope,
  operation: string,
  { auth, audit }: { auth: Authenticator; audit: AuditTrail },
): Promise<Principal> {
  const { principal, refusal } = await auth.identify(req.headers.authorization);
  try {
    if (!principal && refusal) throw new HubError(ErrorCode.UNAUTHENTICATED, refusal);
    return requireScope(principal, scope);
  } catch (error) {
    if (isHubError(error) && (error.code === ErrorCode.UNAUTHENTICATED || error.code === ErrorCode.FORBIDDEN)) {
      audit.accessDenied({
        tenantId: principal?.tenantId ?? null,
        code: error.code,
        scope: error.code === ErrorCode.FORBIDDEN ? scope : undefined,
        operation,
        fields: [],
        keyName: principal?.keyName ?? null,
        requestId: headerText(req.headers['x-request-id']) ?? randomUUID(),
        trace: parseTraceContext(headerText(req.headers.traceparent), headerText(req.headers.tracestate)),
        clientAddress: req.socket.remoteAddress,
      });
    }
    throw error;
  }
}

const headerText = (value: string | string[] | undefined): string | undefined =>
  typeof value === 'string' ? value.slice(0, 200) : undefined;
