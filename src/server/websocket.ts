import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  getOperationAST,
  GraphQLError,
  Kind,
  type DocumentNode,
  type ExecutionArgs,
  type OperationDefinitionNode,
} from 'graphql';
import { CloseCode, type Context } from 'graphql-ws';
import { useServer, type Extra } from 'graphql-ws/use/ws';
import WebSocket, { WebSocketServer } from 'ws';
import type { AuditTrail } from '../audit/audit-trail.ts';
import { tooManySubscriptions, type HubError } from '../errors.ts';
import type { HubEvent } from '../events/event.ts';
import type { ConnectionBudget } from '../live/connection-budget.ts';
import type { DirectDelivery } from '../live/live-subscription.ts';
import type { Logger } from '../logger.ts';
import type { Authenticator } from './auth.ts';
import { websocketOriginAllowed } from './cors.ts';
import { createSocketAuth } from './socket-auth.ts';
import { createNextFrames, frameBytes, type NextFrames, type SharedOperation } from './shared-next.ts';
import type { HubYoga } from './yoga.ts';
import { socketLimits } from './socket-limits.ts';

export interface WebSocketOptions {
  server: Server;
  yoga: HubYoga;
  auth: Authenticator;
  /** Browser origins besides the hub's own that may open a socket; others are refused with 403 (cors.ts). */
  allowedOrigins: readonly string[];
  /** Why an upgrade's `Host` is refused (host-check.ts), or null. */
  checkHost: (host: string | undefined) => string | null;
  /** Subscription operations one socket may run at once (HUB_MAX_SUBSCRIPTIONS_PER_SOCKET). */
  maxSubscriptions: number;
  /** Bytes one socket may hold unsent before its subscriptions end with SLOW_CONSUMER (HUB_SOCKET_BUFFER_BYTES). */
  bufferBytes: number;
  /** Told about sockets refused at `connection_init` for want of a valid key or token. */
  audit: AuditTrail;
  log: Logger;
}

interface EnvelopedRoot {
  execute: (args: ExecutionArgs) => unknown;
  subscribe: (args: ExecutionArgs) => unknown;
}

/**
 * Bytes a socket may hold unsent before small shared frames stop being
 * written to it directly: from there on its events queue in its live
 * subscription and graphql-ws writes them one at a time as the socket drains,
 * and a consumer that stays behind ends with SLOW_CONSUMER as before. Large
 * results are fragments of one buffer that every subscriber shares, so they
 * are written directly up to the socket's byte budget (HUB_SOCKET_BUFFER_BYTES).
 */
const DIRECT_HIGH_WATER_BYTES = 64 * 1024;

/**
 * graphql-ws on the same port and path as HTTP. The socket is authenticated
 * at `connection_init`: without a valid key or token it is closed (4403)
 * before any subscription starts, and it is closed with 4403 later when its
 * token expires or its credential is revoked (socket-auth.ts). Operations
 * then run through Yoga's envelop, so they get the same limits, masking and
 * context as HTTP requests.
 *
 * Fan-out: for an `events` subscription whose selection every subscriber of
 * the operation shares (shared-selection.ts), a live event's `next` frame is
 * executed and serialized once per event and operation (shared-next.ts) and
 * written straight to each socket that keeps up, instead of one execution,
 * promise chain and JSON.stringify per subscriber. Everything else, and any
 * event that cannot take that path, goes through graphql-ws as before.
 */
export function attachWebSocket({
  server,
  yoga,
  auth,
  allowedOrigins,
  checkHost,
  maxSubscriptions,
  bufferBytes,
  audit,
  log,
}: WebSocketOptions) {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1_048_576 });
  const frames = createNextFrames();
  const limits = socketLimits({ maxSubscriptions, bufferBytes, log });
  wss.on('connection', (socket: WebSocket) => limits.watch(socket));
  const socketAuth = createSocketAuth({ auth, audit, log });

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const { pathname } = new URL(request.url ?? '/', 'http://hub');
    const origin = request.headers.origin;
    if (pathname !== yoga.graphqlEndpoint) return refuse(socket, 404, 'Not Found');
    if (checkHost(request.headers.host) !== null) {
      log.warn({ host: request.headers.host?.slice(0, 200) }, 'websocket for another host refused');
      return refuse(socket, 421, 'Misdirected Request');
    }
    if (!websocketOriginAllowed(origin, request.headers.host, allowedOrigins)) {
      log.warn({ origin }, 'websocket origin refused');
      return refuse(socket, 403, 'Forbidden');
    }
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
  };
  server.on('upgrade', onUpgrade);

  const disposable = useServer(
    {
      onConnect: (ctx) => socketAuth.connect(ctx),
      execute: (args) => (args.rootValue as EnvelopedRoot).execute(args) as never,
      subscribe: (args) => (args.rootValue as EnvelopedRoot).subscribe(args) as never,
      onSubscribe: async (ctx, id, payload) => {
        const connectionParams = ctx.connectionParams ?? {};
        // deliverLive is set below, once the context exists; declared here so that every context has one shape.
        const initial = {
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params: payload,
          connectionParams,
          deliverLive: undefined,
        };
        const enveloped = yoga.getEnveloped(initial);
        let document: DocumentNode;
        try {
          document = enveloped.parse(payload.query);
        } catch (error) {
          if (error instanceof GraphQLError) return [error]; // a syntax or token-limit error belongs to this operation only
          throw error;
        }
        const errors = enveloped.validate(enveloped.schema, document);
        if (errors.length > 0) return errors;
        const operation = getOperationAST(document, payload.operationName);
        const socket = limits.of(ctx.extra.socket);
        // Counted before the first await, so that a burst of subscribe messages cannot all pass.
        if (operation?.operation === 'subscription' && !socket.admit(id, ctx.subscriptions))
          return [coded(tooManySubscriptions('socket', maxSubscriptions))];
        const args = {
          schema: enveloped.schema,
          document,
          operationName: payload.operationName ?? null,
          variableValues: payload.variables ?? null,
          contextValue: await enveloped.contextFactory(),
          rootValue: { execute: enveloped.execute, subscribe: enveloped.subscribe },
        };
        const denied = socketAuth.refusal(ctx, args.contextValue);
        if (denied) return denied;
        const tenantId = args.contextValue.principal?.tenantId;
        // The live hub checks again when it registers the stream; asking here refuses with an `error` message.
        const refused =
          tenantId !== undefined && operation && followsEvents(operation)
            ? args.contextValue.services.live.refusal(tenantId)
            : null;
        if (refused) {
          socket.release(id);
          return [coded(refused)];
        }
        args.contextValue.connectionBudget = socket.budget;
        const shared = tenantId === undefined ? null : frames.operation(args, tenantId, id);
        if (shared) args.contextValue.deliverLive = new SocketDelivery(frames, ctx, shared, socket.budget);
        return args;
      },
      onComplete: (ctx, id) => limits.of(ctx.extra.socket).release(id),
    },
    wss,
  );

  return {
    /** Closes every socket with `code` (1001 on shutdown) and stops accepting upgrades. */
    async close(code: number = CloseCode.InternalServerError, reason = 'server closing') {
      server.off('upgrade', onUpgrade);
      socketAuth.close();
      for (const client of wss.clients) client.close(code, reason);
      await disposable.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
    get connections() {
      return wss.clients.size;
    },
  };
}

/**
 * Writes `operation`'s shared frame for an event to its socket, if graphql-ws
 * still runs that subscription and the socket keeps up. Only offered events
 * while the subscription's consumer (graphql-ws) waits with everything
 * earlier written. A class rather than a closure: one small object per
 * subscription, as memory per connection is what many subscribers cost.
 */
class SocketDelivery implements DirectDelivery {
  private readonly frames: NextFrames;
  private readonly ctx: Context<Record<string, unknown> | undefined, Extra>;
  private readonly operation: SharedOperation;
  private readonly budget: ConnectionBudget;

  constructor(
    frames: NextFrames,
    ctx: Context<Record<string, unknown> | undefined, Extra>,
    operation: SharedOperation,
    budget: ConnectionBudget,
  ) {
    this.frames = frames;
    this.ctx = ctx;
    this.operation = operation;
    this.budget = budget;
  }

  offer(event: HubEvent): boolean {
    const socket = this.ctx.extra.socket;
    if (!(this.operation.id in this.ctx.subscriptions)) return false; // the client completed it; graphql-ws is ending the stream
    if (socket.readyState !== WebSocket.OPEN) return false;
    const frame = this.frames.frame(event, this.operation);
    if (!frame) return false;
    const fragmented = !Buffer.isBuffer(frame);
    // A fragmented frame costs no copy, so it is written while the budget allows; a small one only while the socket keeps up.
    if (!fragmented && socket.bufferedAmount > DIRECT_HIGH_WATER_BYTES) return false;
    if (!this.budget.fits(frameBytes(frame))) return false; // the live subscription then charges it and ends on overflow
    if (!fragmented) socket.send(frame, { binary: false });
    else
      frame.forEach((part, index) => {
        socket.send(part, { binary: false, fin: index === frame.length - 1 });
      });
    return true;
  }
}

/** A HubError as graphql-ws writes it in an `error` message: the message and `extensions.code`. */
const coded = (error: HubError) =>
  new GraphQLError(error.message, { extensions: { ...error.extensions, code: error.code } });

/** Whether a subscription operation selects `events` at its root (fragments there count as if it did). */
const followsEvents = (operation: OperationDefinitionNode) =>
  operation.selectionSet.selections.some(
    (selection) => selection.kind !== Kind.FIELD || selection.name.value === 'events',
  );

function refuse(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
