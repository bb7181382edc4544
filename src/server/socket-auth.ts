import { randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { CloseCode, type Context } from 'graphql-ws';
import type { Extra } from 'graphql-ws/use/ws';
import type WebSocket from 'ws';
import type { AuditTrail } from '../audit/audit-trail.ts';
import { Scope } from '../config.ts';
import { ErrorCode } from '../errors.ts';
import { parseTraceContext } from '../events/trace-context.ts';
import type { Logger } from '../logger.ts';
import type { Authenticator, Principal } from './auth.ts';
import type { HubContext } from './context.ts';

export interface SocketAuthOptions {
  auth: Authenticator;
  /** Told about sockets refused at `connection_init`. */
  audit: AuditTrail;
  log: Logger;
}

type SocketContext = Context<Record<string, unknown> | undefined, Extra>;

/** setTimeout's longest delay (about 24.8 days); a longer-lived token re-arms its timer. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Who may keep a graphql-ws socket open. A socket is authenticated at
 * `connection_init` and closed with 4403 (the reason saying why) when
 *  - its token expires: one timer per socket, from the principal's expiresAt;
 *  - its credential stops holding when the credentials change (key file
 *    rewritten, JWKS rotated): every open socket's credential is checked again,
 *    once per distinct credential, and those revoked, moved to another tenant
 *    or stripped of the subscribe scope are closed;
 *  - an operation it starts finds the credential no longer valid (the same
 *    check, made anyway by each operation's context).
 */
export function createSocketAuth({ auth, audit, log }: SocketAuthOptions) {
  const sockets = new Map<
    WebSocket,
    { authorization: string | undefined; principal: Principal; timer?: NodeJS.Timeout }
  >();
  const refuse = (socket: WebSocket, reason: string) => socket.close(CloseCode.Forbidden, reason);

  const expireAt = (socket: WebSocket, expiresAt: number) => {
    const entry = sockets.get(socket);
    if (!entry) return;
    const delay = expiresAt - Date.now();
    if (delay <= 0) return refuse(socket, 'token expired');
    entry.timer = setTimeout(() => expireAt(socket, expiresAt), Math.min(delay, MAX_TIMER_MS)).unref();
  };

  /** Why `authorization` no longer opens `had`'s socket, or null while it does. */
  const stillValid = async (authorization: string | undefined, had: Principal): Promise<string | null> => {
    const { principal, refusal } = await auth.identify(authorization);
    if (!principal) return refusal ?? 'credentials revoked';
    if (principal.tenantId !== had.tenantId) return 'credentials changed';
    if (!principal.scopes.has(Scope.SUBSCRIBE) && !principal.scopes.has(Scope.ADMIN)) return 'credentials changed';
    return null;
  };

  const recheckAll = async () => {
    const byCredential = new Map<string | undefined, WebSocket[]>();
    for (const [socket, { authorization }] of sockets)
      byCredential.set(authorization, [...(byCredential.get(authorization) ?? []), socket]);
    for (const [authorization, group] of byCredential) {
      try {
        const reason = await stillValid(authorization, sockets.get(group[0]!)!.principal);
        if (reason) for (const socket of group) refuse(socket, reason);
      } catch (error) {
        log.error({ err: error }, 'checking open sockets against changed credentials failed');
      }
    }
  };
  const unsubscribe = auth.onChange(() => void recheckAll());

  return {
    /** graphql-ws's onConnect: true lets the socket in; otherwise it is closed with 4403 and the reason. */
    async connect(ctx: SocketContext): Promise<boolean> {
      const authorization = stringParam(ctx.connectionParams?.['authorization']);
      const socket = ctx.extra.socket;
      const { principal, refusal } = await auth.identify(authorization);
      if (socket.readyState !== socket.OPEN) return false; // gone while its token was checked: nothing to track
      if (principal) {
        sockets.set(socket, { authorization, principal });
        socket.once('close', () => {
          clearTimeout(sockets.get(socket)?.timer);
          sockets.delete(socket);
        });
        if (principal.expiresAt !== undefined) expireAt(socket, principal.expiresAt);
        return true;
      }
      const trace = parseTraceContext(stringParam(ctx.connectionParams?.['traceparent']));
      const clientAddress = ctx.extra.request.socket.remoteAddress;
      audit.accessDenied({
        tenantId: null,
        code: 'UNAUTHENTICATED',
        operation: 'connection_init',
        fields: [],
        keyName: null,
        requestId: randomUUID(),
        trace,
        clientAddress,
      });
      refuse(socket, refusal ?? 'Forbidden');
      return false;
    },
    /**
     * For an operation about to start on `ctx`'s socket: when its context found
     * no principal, the credential the socket opened with no longer holds, so
     * the socket is closed and the operation answered UNAUTHENTICATED.
     */
    refusal(ctx: SocketContext, contextValue: HubContext): GraphQLError[] | null {
      if (auth.open || contextValue.principal) return null;
      const reason = contextValue.authRefusal ?? 'credentials revoked';
      refuse(ctx.extra.socket, reason);
      return [new GraphQLError(reason, { extensions: { code: ErrorCode.UNAUTHENTICATED } })];
    },
    close() {
      unsubscribe();
      for (const { timer } of sockets.values()) clearTimeout(timer);
      sockets.clear();
    },
  };
}

const stringParam = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
