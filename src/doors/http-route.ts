import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * A door beside GraphQL (`POST /events`, `POST /webhooks/{id}`, `GET /export`, `GET /catalog`, …):
 * the HTTP server hands it every request whose path it claims, after the host check and before
 * GraphQL, while the hub is not draining. A door reads its own body (`readBody`, bounded),
 * authenticates with `principalFor` and answers errors with `sendProblem`; what it throws
 * becomes a problem document too.
 */
export interface HttpRoute {
  /** For logs: `POST /events`. */
  name: string;
  matches(pathname: string): boolean;
  handle(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void>;
}

/** The whole body, or null as soon as it exceeds `limit` (the rest is not read). */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) return null;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
