import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { GraphQLError, type DocumentNode, type ExecutionArgs } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Logger } from '../logger.ts';
import type { Authenticator } from './auth.ts';
import type { HubYoga } from './yoga.ts';

export interface WebSocketOptions {
  server: Server;
  yoga: HubYoga;
  auth: Authenticator;
  /** When non-empty, upgrades from any other `Origin` are refused with 403. */
  allowedOrigins: readonly string[];
  log: Logger;
}

interface EnvelopedRoot {
  execute: (args: ExecutionArgs) => unknown;
  subscribe: (args: ExecutionArgs) => unknown;
}

/**
 * graphql-ws on the same port and path as HTTP. The socket is authenticated
 * once, at `connection_init`: without a valid key it is closed (4403) before
 * any subscription starts. Operations then run through Yoga's envelop, so
 * they get the same limits, masking and context as HTTP requests.
 */
export function attachWebSocket({ server, yoga, auth, allowedOrigins, log }: WebSocketOptions) {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1_048_576 });

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const { pathname } = new URL(request.url ?? '/', 'http://hub');
    const origin = request.headers.origin;
    if (pathname !== yoga.graphqlEndpoint) return refuse(socket, 404, 'Not Found');
    if (allowedOrigins.length > 0 && (!origin || !allowedOrigins.includes(origin))) {
      log.warn({ origin }, 'websocket origin refused');
      return refuse(socket, 403, 'Forbidden');
    }
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
  };
  server.on('upgrade', onUpgrade);

  const disposable = useServer(
    {
      onConnect: (ctx) => auth.authenticate(stringParam(ctx.connectionParams?.['authorization'])) !== null,
      execute: (args) => (args.rootValue as EnvelopedRoot).execute(args) as never,
      subscribe: (args) => (args.rootValue as EnvelopedRoot).subscribe(args) as never,
      onSubscribe: async (ctx, _id, payload) => {
        const connectionParams = ctx.connectionParams ?? {};
        const enveloped = yoga.getEnveloped({ ...ctx, req: ctx.extra.request, socket: ctx.extra.socket, params: payload, connectionParams });
        let document: DocumentNode;
        try {
          document = enveloped.parse(payload.query);
        } catch (error) {
          if (error instanceof GraphQLError) return [error]; // a syntax or token-limit error belongs to this operation only
          throw error;
        }
        const errors = enveloped.validate(enveloped.schema, document);
        if (errors.length > 0) return errors;
        return {
          schema: enveloped.schema,
          document,
          operationName: payload.operationName ?? null,
          variableValues: payload.variables ?? null,
          contextValue: await enveloped.contextFactory(),
          rootValue: { execute: enveloped.execute, subscribe: enveloped.subscribe },
        };
      },
    },
    wss,
  );

  return {
    /** Closes every socket with `code` (1001 on shutdown) and stops accepting upgrades. */
    async close(code: number = CloseCode.InternalServerError, reason = 'server closing') {
      server.off('upgrade', onUpgrade);
      for (const client of wss.clients) client.close(code, reason);
      await disposable.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
    get connections() {
      return wss.clients.size;
    },
  };
}

const stringParam = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

function refuse(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
