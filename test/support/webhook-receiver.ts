/**
 * A real HTTP receiver on loopback for webhook tests: records every request and answers what
 * `respond` says (default 204), or nothing at all (`'hang'`) until the request is aborted.
 *
 *   const receiver = await webhookReceiver(t);       // closed by t.after
 *   receiver.respond = (req) => (req.n <= 2 ? 500 : 200);
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CleanupScope } from './servers.ts';
import type { Untyped } from './untyped.ts';

export interface ReceivedRequest {
  /** 1 for the first request this receiver got. */
  n: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** The CloudEvent the body holds. */
  json: Untyped;
  at: number;
}

export type Answer = number | 'hang' | { status: number; body: string };

export interface WebhookReceiver {
  url: string;
  requests: ReceivedRequest[];
  /** Requests being answered right now (a hanging one counts until aborted). */
  open: number;
  /** Most requests open at once so far. */
  maxOpen: number;
  respond: (request: ReceivedRequest) => Answer | Promise<Answer>;
  close(): Promise<void>;
}

export async function webhookReceiver(scope: CleanupScope): Promise<WebhookReceiver> {
  const receiver: WebhookReceiver = {
    url: '',
    requests: [],
    open: 0,
    maxOpen: 0,
    respond: () => 204,
    close: async () => {},
  };
  const server = createServer(async (req, res) => {
    receiver.open += 1;
    receiver.maxOpen = Math.max(receiver.maxOpen, receiver.open);
    res.on('close', () => (receiver.open -= 1));
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const request: ReceivedRequest = {
      n: receiver.requests.length + 1,
      headers: req.headers,
      body,
      json: JSON.parse(body || '{}'),
      at: Date.now(),
    };
    receiver.requests.push(request);
    const answer = await receiver.respond(request);
    if (answer === 'hang') return;
    const { status, body: text } = typeof answer === 'number' ? { status: answer, body: '' } : answer;
    res.writeHead(status, { 'content-type': 'text/plain' }).end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  receiver.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  scope.after(() => receiver.close());
  return receiver;
}

/**
 * Verifies a request as the Standard Webhooks spec says a receiver does: HMAC-SHA256 keyed with
 * the base64-decoded secret over `id.timestamp.body`, compared in constant time with each
 * `v1,` signature of the header. True when one of them matches.
 */
export function verifiesWith(secret: string, request: ReceivedRequest): boolean {
  const id = String(request.headers['webhook-id']);
  const timestamp = String(request.headers['webhook-timestamp']);
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${request.body}`).digest();
  return String(request.headers['webhook-signature'])
    .split(' ')
    .some((part) => {
      const [version, signature] = part.split(',');
      const given = Buffer.from(signature ?? '', 'base64');
      return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
    });
}
